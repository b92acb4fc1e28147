"""A PostgreSQL connection that falls out of step is replaced, and the request passes as a 503."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from consult.db import db, make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.postgres

#: SQLSTATE XX000 is what psycopg reports as an InternalError, like a protocol mix-up.
INTERNAL_ERROR = "DO $$ BEGIN RAISE EXCEPTION 'out of step' USING ERRCODE = 'XX000'; END $$"


def test_an_internal_error_throws_the_connection_away() -> None:
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as connection:
            first = connection.connection.dbapi_connection
            with pytest.raises(exc.InternalError) as raised:
                connection.execute(text(INTERNAL_ERROR))
            assert raised.value.connection_invalidated
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection is not first
            assert connection.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_a_request_that_meets_it_answers_503_with_retry(make_app) -> None:
    app = make_app()

    @app.post("/_out_of_step")
    def out_of_step():
        db.session.execute(text(INTERNAL_ERROR))
        return "unreachable"

    app.config["WTF_CSRF_ENABLED"] = False
    reply = app.test_client().post("/_out_of_step", data={"text": "kept ✓"})
    assert reply.status_code == 503
    assert reply.headers["Retry-After"]
    assert "kept ✓" in reply.get_data(as_text=True)
