"""Absolute links come from CONSULT_BASE_URL, never from the Host header (forged or not)."""

from __future__ import annotations

import io
import re

import pytest

from consult import create_app
from consult.core.links import (
    DEFAULT_BASE_URL,
    BaseUrlError,
    absolute_url_for,
    check_base_url,
)
from tests.conftest import Respondent, base_config, csrf_token

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def _links(html: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<]+/(?:r|i|contributions/status)/[^\s\"<]+", html))


@pytest.mark.parametrize("hops", [0, 1])
def test_the_personal_link_uses_the_base_url_whatever_the_host(make_app, hops):
    app = make_app(BASE_URL="https://consult.example.org/", PROXY_FIX_HOPS=hops)
    client = app.test_client()
    respondent = Respondent(client)
    token = respondent.start()
    for path in (f"/r/{token}/s/profile", f"/r/{token}/review"):
        html = client.get(path, headers=FORGED).get_data(as_text=True)
        links = _links(html)
        assert links == {f"https://consult.example.org/r/{token}"}, links
        assert "evil.example" not in html


def test_the_invitation_links_use_the_base_url(app, login):
    app.config["BASE_URL"] = "https://consult.example.org"
    staff = login(app.test_client(), "admin")
    body = b"name,country,email\nVille de Grigny,FR,\n"
    page = staff.get("/staff/invitations").get_data(as_text=True)
    staff.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(body), "i.csv")},
        content_type="multipart/form-data",
    )
    links = staff.get("/staff/invitations/links.csv").get_data(as_text=True)
    assert "https://consult.example.org/i/" in links
    # What builds them, under a forged Host (the test client would not send the staff cookie
    # to another host): the same function, the same answer.
    with app.test_request_context("/staff/invitations/links.csv", headers=FORGED):
        assert absolute_url_for("invitations.open_invitation", token="abc", lang="fr") == (
            "https://consult.example.org/i/abc?lang=fr"
        )
    with app.test_request_context("/", headers=FORGED, environ_base={"SCRIPT_NAME": "/app"}):
        assert absolute_url_for("questionnaires.resume", token="t") == (
            "https://consult.example.org/r/t"
        )


def test_without_a_base_url_the_documented_default_is_used(app):
    client = app.test_client()
    token = Respondent(client).start()
    html = client.get(f"/r/{token}/s/profile", headers=FORGED).get_data(as_text=True)
    assert f"{DEFAULT_BASE_URL}/r/{token}" in html and "evil.example" not in html


@pytest.mark.parametrize(
    ("value", "checked"),
    [
        ("https://consult.example.org", "https://consult.example.org"),
        ("https://consult.example.org/", "https://consult.example.org"),
        ("http://10.0.0.1:8000/consult/", "http://10.0.0.1:8000/consult"),
        ("", None),
        (None, None),
    ],
)
def test_base_url_values(value, checked):
    assert check_base_url(value) == checked


@pytest.mark.parametrize(
    "value",
    ["consult.example.org", "javascript:alert(1)", "https://", "ftp://x.org", "https://a b"],
)
def test_a_malformed_base_url_stops_the_app(tmp_path, value):
    with pytest.raises(BaseUrlError):
        create_app(base_config(tmp_path, INSTANCE_PATH=str(tmp_path), BASE_URL=value))
