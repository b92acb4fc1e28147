"""How the app plugs the db:// rate-limit storage in (see storage.py)."""

from __future__ import annotations

from flask import Flask, g, request

from consult.db import db
from consult.extensions import limiter
from consult.ratelimits import storage


def before_limiter(app: Flask) -> None:
    """Give db:// storages the current app's engine (before limiter.init_app).

    A shared service other than the database (redis://) that cannot be reached lets requests
    through, with a logged error, rather than answer 500 to everyone: the limits pause while it
    is down. With db://, an outage is the database's own and answers the 503 page.
    """
    storage.use_engine(lambda: db.engine)
    if not str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("db://"):
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # The one Limiter reads this setting at its first init_app only: each app reads its own.
    limiter._swallow_errors = None


def after_limiter(app: Flask) -> None:
    """On SQLite, end a request's uncommitted write transaction before Flask-Limiter counts
    after the view (registered right after limiter.init_app, so it runs just before it).

    What a view did not commit is rolled back at the end of every request anyway; doing it
    here frees the write lock that the counter's own transaction needs.
    """

    @app.after_request
    def before_counting(response):
        release_uncommitted_writes()
        return response


def release_uncommitted_writes() -> None:
    """On SQLite, roll back the request's uncommitted write so that the limits' storage, on its
    own connection, may count or read (a refused request keeps nothing anyway)."""
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and ("_db_session" in g or "_db_connection" in g)
        and db.is_sqlite
        and db.in_transaction()
    ):
        db.rollback()
