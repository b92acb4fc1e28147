"""Shared fixtures: an app on a fresh database per test (SQLite by default, PostgreSQL when
CONSULT_TEST_DATABASE_URL says so), its client and CLI runner, and a respondent helper."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, text

from consult import create_app
from consult.cli import init_database
from consult.db import db

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip SQLite-only tests on the PostgreSQL run, and PostgreSQL-only ones without a server."""
    for item in items:
        if PG_URL and item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.skip(reason="SQLite-only test on the PostgreSQL run"))
        if not PG_URL and item.get_closest_marker("postgres"):
            # CI's SQLite pass skips them too: its PostgreSQL pass runs them.
            item.add_marker(pytest.mark.skip(reason="no PostgreSQL: set CONSULT_TEST_DATABASE_URL"))


def base_config(instance: Path, **overrides: Any) -> dict[str, Any]:
    """Return the test configuration for an app whose instance folder is ``instance``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": PG_URL or f"sqlite:///{instance / 'consult.sqlite3'}",
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "ADMIN_EMAIL": "first-admin@cisdp.test",
        # Pages show the figures of the current data (tests/outcomes/test_page_refresh.py
        # covers the production default, which shows older figures labelled while refreshing).
        "OUTCOMES_PAGE_WAITS": True,
    }
    config.update(overrides)
    return config


def _reset_postgres(app: Flask) -> None:
    """Empty every table but the schema version, so each test starts from a fresh database."""
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        names = [t.name for t in metadata.sorted_tables if t.name != "alembic_version"]
        with db.engine.begin() as connection:
            if names:
                quoted = ", ".join(f'"{n}"' for n in names)
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one database for the session; each test starts from a copy (or a truncation)."""
    instance = tmp_path_factory.mktemp("template-instance")
    app = create_app(base_config(instance))
    with app.app_context():
        init_database(app)
    app.extensions["consult.db"].engine.dispose()
    return instance


@pytest.fixture
def make_app(tmp_path: Path, template_instance: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on a fresh database; keyword arguments override the test configuration."""
    apps: list[Flask] = []

    def build(*, instance: str | None = None, init: bool = True, **overrides: Any) -> Flask:
        """Build an app; with ``instance``, reuse that app's database as it is."""
        if instance is None:
            folder = tmp_path / f"instance{len(apps)}"
            folder.mkdir()
            if not PG_URL:
                shutil.copy(template_instance / "consult.sqlite3", folder / "consult.sqlite3")
        else:
            folder = Path(instance)
        app = create_app(base_config(folder, INSTANCE_PATH=str(folder), **overrides))
        apps.append(app)
        if PG_URL and instance is None:
            _reset_postgres(app)
        if init:
            with app.app_context():
                init_database(app)
        return app

    yield build
    for built in apps:
        built.extensions["consult.db"].engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app on a fresh database."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """A CLI runner of the app."""
    return app.test_cli_runner()


def answers_in_store(app: Flask) -> dict[int, dict[str, dict[str, str]]]:
    """Response id -> its answers as stored: a draft's in its answers document (checking it has
    no Answer rows), a submitted response's in its Answer rows, which the analysis reads."""
    from sqlalchemy import select

    from consult.questionnaires import operations
    from consult.questionnaires.models import Response
    from consult.questionnaires.registry import definition_of

    found = {}
    with app.app_context():
        for response in db.session.scalars(select(Response).order_by(Response.id)):
            if response.is_submitted:
                found[response.id] = operations.stored_answers(db.session, response)
            else:
                assert not response.answers, f"draft {response.id} has answer rows"
                hidden = hidden_answers_of(response)
                answers = operations.answers_of(db.session, response, definition_of(response))
                found[response.id] = {k: v for k, v in answers.items() if k not in hidden}
    return found


def hidden_answers_of(response) -> dict[str, dict[str, str]]:
    """Return the answers a condition hides in a response: kept, never counted."""
    from consult.questionnaires import documents

    return documents.decode_hidden(response.hidden_answers)


def hidden_in_store(app: Flask) -> dict[int, dict[str, dict[str, str]]]:
    """Response id -> the answers a condition hides in it (kept, not counted nor exported)."""
    from sqlalchemy import select

    from consult.questionnaires.models import Response

    with app.app_context():
        return {
            response.id: hidden_answers_of(response)
            for response in db.session.scalars(select(Response).order_by(Response.id))
        }


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


VERSION_RE = re.compile(r'name="((?:reply-)?version(?:-\d+)?)" value="([^"]*)"')


def versions_in(html: str, action: str | None = None) -> dict[str, str]:
    """Return the versions a page's forms carry (only the form posting to ``action`` if given)."""
    if action is not None:
        start = html.index(f'action="{action}"')
        html = html[start : html.index("</form>", start)]
    return {name: html_unescape(value) for name, value in VERSION_RE.findall(html)}


def form_versions(client, *pages: str, action: str | None = None) -> dict[str, str]:
    """Return the versions staff pages' forms carry (what a browser would post back)."""
    found: dict[str, str] = {}
    for page in pages:
        found.update(versions_in(client.get(page).get_data(as_text=True), action))
    return found


def publication_version(app) -> dict[str, str]:
    """Return the version of the public outcomes page that publish and withdraw forms carry."""
    from consult.outcomes.publication_versions import publication
    from consult.staff.concurrency import version

    with app.test_request_context():
        return {"version": version(publication())}


def moderation_versions(client) -> dict[str, str]:
    """Return the versions of every contribution and reply the moderation pages show."""
    from consult.contributions.models import STATUSES

    return form_versions(
        client, "/staff/moderation/", *[f"/staff/moderation/?show={s}" for s in STATUSES]
    )


class Respondent:
    """Drives the responding pages the way a browser without JavaScript does."""

    def __init__(self, client: FlaskClient, questionnaire: str = "local-governments") -> None:
        self.client = client
        self.questionnaire = questionnaire
        self.token: str | None = None
        self.csrf: str | None = None

    def start(self) -> str:
        """Open the introduction, press Start, and return the resume token."""
        page = self.client.get(f"/questionnaires/{self.questionnaire}").get_data(as_text=True)
        self.csrf = csrf_token(page)
        start_token = re.search(r'name="start_token" value="([^"]+)"', page).group(1)
        reply = self.client.post(
            f"/questionnaires/{self.questionnaire}/start",
            data={"csrf_token": self.csrf, "start_token": start_token},
        )
        assert reply.status_code == 303, reply.status_code
        self.token = reply.location.rsplit("/r/", 1)[1]
        return self.token

    def page(self, section: str):
        """GET one section page."""
        reply = self.client.get(f"/r/{self.token}/s/{section}")
        self.csrf = (
            csrf_token(reply.get_data(as_text=True)) if reply.status_code == 200 else self.csrf
        )
        return reply

    def save(self, section: str, answers: dict[str, Any], action: str = "next", **extra: Any):
        """POST a section with ``answers`` (field name -> value or list of values)."""
        if self.csrf is None:
            self.page(section)
        data = {"csrf_token": self.csrf, "action": action, **answers, **extra}
        return self.client.post(f"/r/{self.token}/s/{section}", data=data)

    def submit(self, **contact: str):
        """POST the review page."""
        page = self.client.get(f"/r/{self.token}/review").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page)}
        data.update({f"contact.{k}": v for k, v in contact.items()})
        return self.client.post(f"/r/{self.token}/review", data=data)


@pytest.fixture
def respondent(client: FlaskClient) -> Respondent:
    """A respondent to the local-governments questionnaire."""
    return Respondent(client)


@pytest.fixture
def respondent_factory() -> Callable[..., Respondent]:
    """Make respondents for any client and questionnaire."""
    return Respondent


STAFF_PASSWORD = "a-long-test-password-1"


@pytest.fixture
def staff(app: Flask) -> Callable[[str], str]:
    """Create a staff account with a role; return its e-mail."""
    from consult.db import writing
    from consult.staff.operations import create_user

    def create(role: str, email: str | None = None) -> str:
        email = email or f"{role}@cisdp.test"
        with app.app_context(), writing():
            create_user(db.session, email, role, STAFF_PASSWORD, one_time=False)
            db.commit()
        return email

    return create


@pytest.fixture
def login(staff: Callable[[str], str]) -> Callable[[FlaskClient, str], FlaskClient]:
    """Sign a client in as a new staff member of ``role``."""

    signed_in: set[str] = set()

    def sign_in(client: FlaskClient, role: str) -> FlaskClient:
        # Named after the client (tests rebuild the address); a client made after another was
        # collected can reuse its id, so a second account for one address takes a suffix.
        email = f"{role}-{id(client)}@cisdp.test"
        if email in signed_in:
            email = f"{role}-{id(client)}-{len(signed_in)}@cisdp.test"
        signed_in.add(email)
        staff(role, email)
        page = client.get("/staff/login").get_data(as_text=True)
        reply = client.post(
            "/staff/login",
            data={"csrf_token": csrf_token(page), "email": email, "password": STAFF_PASSWORD},
        )
        assert reply.status_code == 302, reply.get_data(as_text=True)
        return client

    return sign_in
