"""Alembic environment: runs on the connection consult hands over (see consult/schema.py)."""

from __future__ import annotations

from alembic import context

from consult.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the connection given in config.attributes, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        from consult.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `consult init`")
run_migrations_online()
