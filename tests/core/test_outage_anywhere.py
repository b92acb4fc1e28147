"""A database outage answers 503 with the input kept, wherever in the request it is raised.

The chokepoint is consult.core.errors (is_outage, and its wrapper of Flask's handle_exception):
an outage raised by a before_request hook, the view, a rate-limit count, an after_request hook,
the error handler's own attempt to show the page again, or while the request is torn down, never
reaches the person as a 500. Each is injected for a page save, a contribution and a staff page.
"""

from __future__ import annotations

import functools
import logging

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.errors import StorageError
from sqlalchemy.exc import IntegrityError, OperationalError, PendingRollbackError

from consult.core.errors import is_outage
from consult.db import db
from consult.ratelimits.storage import DatabaseStorage
from tests.conftest import STAFF_PASSWORD, csrf_token, versions_in

TYPED = "Ville gardée <pendant> la panne ✓"
ESCAPED = "Ville gardée &lt;pendant&gt; la panne ✓"


def outage() -> OperationalError:
    """What PgBouncer's answer during a PostgreSQL restart becomes (SQLAlchemy's wrapping)."""
    return OperationalError("SELECT 1", {}, psycopg.errors.ProtocolViolation("server closed"))


def chained_outage() -> PendingRollbackError:
    """An error raised after an outage, by a connection that was not rolled back yet."""
    try:
        raise outage()
    except OperationalError:
        try:
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")
        except PendingRollbackError as error:
            return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (outage(), True),
        (psycopg.errors.ProtocolViolation("server closed"), True),  # the driver's, unwrapped
        (psycopg.OperationalError("connection refused"), True),
        (chained_outage(), True),
        (StorageError(outage()), False),  # limits' wrapper names its cause only as an argument
        (IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("dup")), False),
        (ValueError("not a database failure"), False),
        (PendingRollbackError("rolled back by a bug"), False),
    ],
    ids=[
        "wrapped",
        "driver",
        "driver-operational",
        "after-outage",
        "storage-error",
        "integrity",
        "value",
        "pending",
    ],
)
def test_what_counts_as_an_outage(error: BaseException, expected: bool) -> None:
    assert is_outage(error) is expected


# -- the requests: a page save, a contribution, a staff page -----------------------------------


def _page_save(app: Flask, client: FlaskClient, respondent_factory) -> tuple[str, dict]:
    respondent = respondent_factory(client)
    token = respondent.start()
    page = client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    return f"/r/{token}/s/profile", {
        "csrf_token": csrf_token(page),
        "action": "next",
        "q.institution_name": TYPED,
    }


def _contribution(app: Flask, client: FlaskClient, respondent_factory) -> tuple[str, dict]:
    page = client.get("/contributions/new").get_data(as_text=True)
    return "/contributions/new", {"csrf_token": csrf_token(page), "text": TYPED}


def _staff_page(app: Flask, client: FlaskClient, respondent_factory) -> tuple[str, dict]:
    from consult.db import writing
    from consult.staff.operations import create_user

    with app.app_context(), writing():
        create_user(db.session, "admin@cisdp.test", "admin", STAFF_PASSWORD, one_time=False)
        db.commit()
    page = client.get("/staff/login").get_data(as_text=True)
    signed_in = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": "admin@cisdp.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert signed_in.status_code == 302
    path = "/staff/mail/templates/invitation/fr"
    page = client.get(path).get_data(as_text=True)
    return path, {
        "csrf_token": csrf_token(page),
        **versions_in(page),
        "action": "save",
        "subject": TYPED,
        "body": "Bonjour {link}",
    }


REQUESTS = {"page-save": _page_save, "contribution": _contribution, "staff-page": _staff_page}
STAGES = [
    "before_request",
    "rate_limit",
    "view",
    "view_then_reads_fail",
    "after_request",
    "teardown",
]


class Fault:
    """Raises an outage at one stage of the requests that follow ``arm``."""

    def __init__(self) -> None:
        self.stage = ""
        self.raised: list[str] = []

    def arm(self, stage: str) -> None:
        self.stage = stage

    def at(self, stage: str) -> None:
        if self.stage == stage:
            self.raised.append(stage)
            if stage == "view_then_reads_fail":
                self.stage = "reads"  # from now on every statement fails
                raise outage()
            raise outage() if stage != "after_request" else chained_outage()


def _install(app: Flask, fault: Fault, monkeypatch: pytest.MonkeyPatch) -> None:
    app.before_request(lambda: fault.at("before_request"))

    def after(response):
        fault.at("after_request")
        return response

    app.after_request(after)
    app.teardown_request(lambda _exc: fault.at("teardown"))
    for endpoint, view in list(app.view_functions.items()):

        @functools.wraps(view)
        def failing(*args, _view=view, **kwargs):
            if fault.stage in ("view", "view_then_reads_fail") and app.config.get("_FAULT_ON"):
                fault.at(fault.stage)
            return _view(*args, **kwargs)

        app.view_functions[endpoint] = failing

    original_incr = DatabaseStorage.incr

    def incr(self, *args, **kwargs):
        fault.at("rate_limit")
        return original_incr(self, *args, **kwargs)

    monkeypatch.setattr(DatabaseStorage, "incr", incr)
    from sqlalchemy import event

    @event.listens_for(db_engine(app), "before_cursor_execute")
    def reads_fail(*_args):
        if fault.stage == "reads":
            raise psycopg.errors.ProtocolViolation("server closed")


def db_engine(app: Flask):
    with app.app_context():
        return db.engine


#: Every stage for every request; no rate limit applies to staff pages (sign-in is throttled).
CASES = [
    (kind, stage)
    for kind in sorted(REQUESTS)
    for stage in STAGES
    if (kind, stage) != ("staff-page", "rate_limit")
]


@pytest.mark.parametrize(("kind", "stage"), CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_an_outage_anywhere_answers_503_with_the_input_kept(
    make_app, respondent_factory, monkeypatch, caplog, kind: str, stage: str
) -> None:
    app = make_app(RATELIMIT_ENABLED=True)
    fault = Fault()
    _install(app, fault, monkeypatch)
    client = app.test_client()
    path, form = REQUESTS[kind](app, client, respondent_factory)
    app.config["_FAULT_ON"] = True
    fault.arm(stage)
    with caplog.at_level(logging.WARNING):
        reply = client.post(path, data=form)
    fault.arm("")
    body = reply.get_data(as_text=True)
    assert fault.raised[:1] == [stage], fault.raised
    assert "unhandled error" not in caplog.text and "Traceback" not in caplog.text
    if stage == "teardown":
        # Raised after the answer was decided: whatever it says (saved, or shown again) stands.
        assert reply.status_code in (200, 303, 422), reply.status_code
        return
    assert reply.status_code == 503, (reply.status_code, body[:500])
    assert reply.headers["Retry-After"] and reply.headers["Cache-Control"] == "no-store"
    assert ESCAPED in body
    assert "Content-Security-Policy" in reply.headers
    # And the platform recovers alone: the same client's next request is served.
    assert client.get("/healthz").status_code == 200
