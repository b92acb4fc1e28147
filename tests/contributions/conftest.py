"""Fixtures for open contributions: an app without the minimum fill time, a contributor who
drives the form like a browser without JavaScript, and helpers to moderate directly."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.db import db, writing
from tests.conftest import csrf_token

STARTED_RE = re.compile(r'<input[^>]*name="started"[^>]*value="([^"]+)"')


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app whose contribution form accepts an immediate send (tests do not wait)."""
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)


class Contributor:
    """Fills and sends the contribution form the way a browser without JavaScript does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def form(self, query: str = ""):
        """GET the form; return (csrf token, signed start time, page)."""
        page = self.client.get("/contributions/new" + query).get_data(as_text=True)
        return csrf_token(page), STARTED_RE.search(page).group(1), page

    def send(self, text: str = "The Charter should say more about housing.", **fields: Any):
        """Send a contribution; extra keyword arguments override the defaults."""
        token, started, _page = self.form()
        data = {
            "csrf_token": token,
            "started": started,
            "kind": "comment",
            "article": "art10",
            "part": "",
            "text": text,
            "language": "en",
            "organisation_type": "civil_society",
            "organisation_name": "",
            "country": "",
            "region": "",
            "website": "",
        }
        data.update(fields)
        return self.client.post("/contributions/new", data=data)

    def send_ok(self, text: str = "The Charter should say more about housing.", **fields: Any):
        """Send and return (status page URL path, status token)."""
        reply = self.send(text, **fields)
        assert reply.status_code == 303, reply.get_data(as_text=True)
        path = reply.location.split("?")[0]
        return path, path.rsplit("/", 1)[1]


@pytest.fixture
def contributor(client: FlaskClient) -> Contributor:
    """A contributor using the app's test client."""
    return Contributor(client)


@pytest.fixture
def contribute(app: Flask):
    """Create a contribution directly (optionally published); return its id and token."""
    from consult.contributions import operations

    def create(text: str = "A contribution.", publish: bool = False, **fields: Any):
        values = {"kind": "comment", "language": "en", "organisation_type": "academia"}
        values.update(fields)
        with app.app_context(), writing():
            contribution, token = operations.create_contribution(db.session, text=text, **values)
            if publish:
                operations.publish(db.session, contribution)
            db.commit()
            return contribution.id, token

    return create


def moderation_csrf(client: FlaskClient) -> str:
    """The CSRF token of a signed-in moderator's queue page."""
    return csrf_token(client.get("/staff/moderation/").get_data(as_text=True))
