"""Fixtures for the campaign: an institution that drives the join form like a browser without
JavaScript, and letters of commitment good and bad."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from consult.campaign.letters import minimal_pdf
from tests.conftest import csrf_token

PLEDGE_TOKEN_RE = re.compile(r'<input[^>]*name="pledge_token"[^>]*value="([^"]+)"')
REVISION_RE = re.compile(r'<input[^>]*name="revision"[^>]*value="([^"]*)"')

GOOD_LETTER = minimal_pdf(["Letter of commitment", "Ville de Grigny", "Signed: the Mayor"])

#: A complete, valid join form (the letter is added per test).
FIELDS: dict[str, Any] = {
    "institution_name": "Ville de Grigny",
    "level": "municipality",
    "country": "FR",
    "region": "",
    "population_band": "under_50k",
    "commitments": ["local_charter", "biennial_report"],
    "own_commitment": "Un conseil des droits humains ouvert aux habitants.",
    "signatory_name": "Philippe Rio",
    "signatory_office": "Maire",
    "contact_name": "Awa Diallo",
    "contact_email": "droits@grigny.example.org",
    "contact_phone": "+33 1 69 02 53 53",
    "authorised": "y",
}


def letter(content: bytes = GOOD_LETTER, name: str = "lettre.pdf") -> tuple[io.BytesIO, str]:
    """An upload for the test client: (stream, file name)."""
    return (io.BytesIO(content), name)


class Institution:
    """Fills and sends the join form, then uses the pledge's personal link."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def open(self, path: str = "/campaign/join"):
        """GET the join form; return (csrf token, pledge token, page)."""
        page = self.client.get(path).get_data(as_text=True)
        return csrf_token(page), PLEDGE_TOKEN_RE.search(page).group(1), page

    def send(self, form: tuple[str, str] | None = None, *, upload=None, **fields: Any):
        """POST the join form (opened now unless ``form`` gives its csrf and pledge tokens)."""
        csrf, token = form or self.open()[:2]
        self.token = token
        data = {"csrf_token": csrf, "pledge_token": token, "action": "submit", **FIELDS}
        data.update(fields)
        if upload is not None:
            data["letter"] = upload
        return self.client.post("/campaign/join", data=data, content_type="multipart/form-data")

    def join(self, **fields: Any) -> str:
        """Send a complete pledge with a good letter; return its personal-link token."""
        reply = self.send(upload=letter(), **fields)
        assert reply.status_code == 303, reply.get_data(as_text=True)
        return self.token

    def edit_page(self):
        """GET the update page; return (csrf token, revision, page)."""
        page = self.client.get(f"/campaign/pledge/{self.token}/edit").get_data(as_text=True)
        return csrf_token(page), REVISION_RE.search(page).group(1), page

    def edit(self, shown: tuple[str, str] | None = None, *, upload=None, **fields: Any):
        """POST the update page (shown now unless ``shown`` gives its csrf and revision)."""
        csrf, revision = shown or self.edit_page()[:2]
        data = {"csrf_token": csrf, "revision": revision, "action": "save", **FIELDS}
        data.update(fields)
        if upload is not None:
            data["letter"] = upload
        return self.client.post(
            f"/campaign/pledge/{self.token}/edit", data=data, content_type="multipart/form-data"
        )


@pytest.fixture
def institution(client: FlaskClient) -> Institution:
    """An institution joining through the public form."""
    return Institution(client)
