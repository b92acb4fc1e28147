"""Static assets: content-hashed names in every page, served with a year of caching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, url_for

from consult.core.assets import (
    IMMUTABLE,
    SHORT,
    build_manifest,
    hashed_name,
    split_hashed_name,
)

ASSET_RE = re.compile(r'(?:src|href)="(/static/[^"]+)"')


@pytest.mark.parametrize(
    ("plain", "digest", "hashed"),
    [
        ("css/consult.css", "0123456789", "css/consult.0123456789.css"),
        ("js/respond.js", "abcdefabcd", "js/respond.abcdefabcd.js"),
        ("favicon.svg", "ffffffffff", "favicon.ffffffffff.svg"),
        ("fonts/a.b.woff2", "0000000000", "fonts/a.b.0000000000.woff2"),
        ("LICENSE", "1111111111", "LICENSE.1111111111"),
    ],
)
def test_hashed_names_round_trip(plain: str, digest: str, hashed: str) -> None:
    assert hashed_name(plain, digest) == hashed
    if "." in plain.rsplit("/", 1)[-1]:
        assert split_hashed_name(hashed) == (plain, digest)


@pytest.mark.parametrize(
    "name",
    ["css/consult.css", "js/x.12345.js", "a.ABCDEF0123.css", "a.0123456789", "a.01234567890.js"],
)
def test_names_without_a_digest_are_plain(name: str) -> None:
    assert split_hashed_name(name) == (name, None)


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black }")
    before = build_manifest(tmp_path)["css/site.css"]
    sheet.write_text("body { color: navy }")
    after = build_manifest(tmp_path)["css/site.css"]
    assert before != after and len(after) == 10


def _assets_of(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return set(ASSET_RE.findall(response.get_data(as_text=True)))


def _html_pages(app: Flask, client) -> list[str]:
    """Every GET route without URL variables that answers an HTML page to a visitor."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.endpoint == "static":
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.append(rule.rule)
    return pages


def test_every_page_links_hashed_assets_served_for_a_year(app: Flask) -> None:
    client = app.test_client()
    manifest = app.extensions["consult.assets"]
    pages = _html_pages(app, client)
    assert {"/", "/charter", "/contributions", "/staff/login"} <= set(pages)
    seen: set[str] = set()
    for page in pages:
        seen |= _assets_of(client, page)
    assert any(path.endswith(".css") for path in seen)
    assert any(path.endswith(".js") for path in seen)
    for path in seen:
        filename = path.removeprefix("/static/")
        plain, digest = split_hashed_name(filename)
        assert digest is not None and manifest[plain] == digest, path
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert response.data == (Path(app.static_folder) / plain).read_bytes()
            # Security headers are on static files too.
            assert "Content-Security-Policy" in response.headers


def test_plain_and_outdated_names_are_served_briefly(app: Flask) -> None:
    client = app.test_client()
    with client.get("/static/css/consult.css") as plain:
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == SHORT
        with client.get("/static/css/consult.0000000000.css") as outdated:
            assert outdated.status_code == 200 and outdated.headers["Cache-Control"] == SHORT
            assert outdated.data == plain.data
    assert client.get("/static/css/missing.0000000000.css").status_code == 404
    assert client.get("/static/../consult/config.py").status_code == 404


def test_url_for_hashes_only_known_static_files(app: Flask) -> None:
    with app.test_request_context():
        assert re.fullmatch(
            r"/static/js/deck\.[0-9a-f]{10}\.js", url_for("static", filename="js/deck.js")
        )
        assert url_for("static", filename="nope.css") == "/static/nope.css"
