"""How the app plugs the db:// rate-limit storage in (see storage.py)."""

from __future__ import annotations

from flask import Flask, g, request

from consult.db import db
from consult.ratelimits import storage


def before_limiter(app: Flask) -> None:
    """Give db:// storages the current app's engine (before limiter.init_app)."""
    storage.use_engine(lambda: db.engine)


def after_limiter(app: Flask) -> None:
    """On SQLite, end a request's uncommitted write transaction before Flask-Limiter counts
    after the view (registered right after limiter.init_app, so it runs just before it).

    What a view did not commit is rolled back at the end of every request anyway; doing it
    here frees the write lock that the counter's own transaction needs.
    """

    @app.after_request
    def release_uncommitted_writes(response):
        session = g.get("_db_session")
        if (
            session is not None
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and db.is_sqlite
            and session.in_transaction()
        ):
            session.rollback()
        return response
