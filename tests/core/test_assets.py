"""Static assets: content-hashed names in every page and stylesheet, served with a year of
caching; names of another release answered without a 404 and without being cached."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from flask import Flask, url_for

from consult import PROJECT_ROOT
from consult.core import assets as assets_module
from consult.core.assets import (
    IMMUTABLE,
    OTHER_RELEASE,
    SHORT,
    build_assets,
    build_manifest,
    css_references,
    hashed_name,
    resolve_reference,
    split_hashed_name,
)
from tests.core.test_leaving_keeps_input import samples  # noqa: F401 - a fixture used below
from tests.staff.test_routes import staff_rules

#: Any mention of a static file in a page: attributes, inline data, anything.
ASSET_RE = re.compile(r"""/static/[^"'\s<>)]+""")


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


def _check_served_for_a_year(app: Flask, client, path: str, seen: set[str]) -> None:
    """Check that ``path`` is a current hashed name served immutable, and so are its references."""
    if path in seen:
        return
    seen.add(path)
    manifest = app.extensions["consult.assets"]
    plain, digest = split_hashed_name(path.removeprefix("/static/"))
    assert digest is not None and manifest.get(plain) == digest, f"not hashed: {path}"
    with client.get(path) as response:
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == IMMUTABLE, path
        # Security headers are on static files too.
        assert "Content-Security-Policy" in response.headers
        body = response.data
    if plain.endswith(".css"):
        folder = posixpath.dirname(path)
        for url in css_references(body.decode("utf-8")):
            target = posixpath.normpath(posixpath.join(folder, re.split(r"[?#]", url)[0]))
            _check_served_for_a_year(app, client, target, seen)
    else:
        assert body == (Path(app.static_folder) / plain).read_bytes()


def _pages(app: Flask, samples: dict[str, str]) -> list[tuple[str, str]]:  # noqa: F811
    """Every page to look at: (who, path) for the public pages, the staff pages, error pages."""
    pages = [("visitor", path) for path in samples.values()]
    pages += [
        ("visitor", rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    ]
    pages += [("admin", path) for _e, method, path in staff_rules(app) if method == "GET"]
    pages += [("visitor", "/no-such-page"), ("visitor", "/r/unknown-token"), ("admin", "/staff/x")]
    return pages


def test_every_asset_of_every_page_is_hashed_and_served_for_a_year(app, login, samples):  # noqa: F811
    clients = {"visitor": app.test_client(), "admin": login(app.test_client(), "admin")}
    seen: set[str] = set()
    html_pages = 0
    for who, path in _pages(app, samples):
        reply = clients[who].get(path)
        if reply.mimetype != "text/html":
            continue
        html_pages += 1
        for asset in set(ASSET_RE.findall(reply.get_data(as_text=True))):
            _check_served_for_a_year(app, clients["visitor"], asset, seen)
    assert html_pages > 60
    assert {".css", ".js", ".svg"} <= {posixpath.splitext(p)[1] for p in seen}


def test_templates_name_static_files_only_through_url_for() -> None:
    manifest = build_manifest(PROJECT_ROOT / "static")
    named = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]""")
    templates = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    assert len(templates) > 50
    for template in templates:
        source = template.read_text("utf-8")
        assert "/static/" not in source, f"{template}: a static URL written by hand"
        for filename in named.findall(source):
            assert filename in manifest, f"{template}: no static file {filename}"
    for script in (PROJECT_ROOT / "static").rglob("*.js"):
        assert "/static/" not in script.read_text("utf-8"), f"{script}: a static URL by hand"


def test_every_stylesheet_reference_is_a_relative_name_of_a_static_file() -> None:
    folder = PROJECT_ROOT / "static"
    manifest = build_manifest(folder)
    for sheet in folder.rglob("*.css"):
        name = sheet.relative_to(folder).as_posix()
        for url in css_references(sheet.read_text("utf-8")):
            assert not url.startswith("/"), f"{name}: {url} (use a relative name)"
            assert resolve_reference(name, url) in manifest, f"{name}: no file {url}"


@pytest.mark.parametrize(
    ("written", "served"),
    [
        ("url(../img/a.svg)", "url(../img/a.{a}.svg)"),
        ("url('../img/a.svg')", "url('../img/a.{a}.svg')"),
        ('url( "../img/a.svg" )', 'url( "../img/a.{a}.svg" )'),
        ("url(../img/a.svg#icon)", "url(../img/a.{a}.svg#icon)"),
        ("url(../fonts/f.woff2?v=2)", "url(../fonts/f.{f}.woff2?v=2)"),
        ('@import "base.css";', '@import "base.{base}.css";'),
        ("@import url(base.css);", "@import url(base.{base}.css);"),
        ("url(#map-hatch)", "url(#map-hatch)"),
        ("url(data:image/svg+xml;base64,AAAA)", "url(data:image/svg+xml;base64,AAAA)"),
        ("url(https://example.org/a.svg)", "url(https://example.org/a.svg)"),
        ("url(missing.svg)", "url(missing.svg)"),
        ("url(/static/img/a.svg)", "url(/static/img/a.svg)"),
    ],
)
def test_stylesheet_references_get_the_hashed_names(tmp_path: Path, written, served) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "img").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "img" / "a.svg").write_text("<svg/>")
    (tmp_path / "fonts" / "f.woff2").write_bytes(b"font")
    (tmp_path / "css" / "base.css").write_text("body { margin: 0 }")
    (tmp_path / "css" / "site.css").write_text(f"x {{ y: 1 }} {written}")
    built = build_assets(tmp_path)
    digests = {
        "a": built.digests["img/a.svg"],
        "f": built.digests["fonts/f.woff2"],
        "base": built.digests["css/base.css"],
    }
    body = built.bodies.get("css/site.css", (tmp_path / "css" / "site.css").read_bytes())
    assert body.decode() == f"x {{ y: 1 }} {served.format(**digests)}"
    assert built.digests["css/site.css"] == assets_module._digest(body)


def test_a_changed_image_renames_the_stylesheets_using_it(tmp_path: Path) -> None:
    (tmp_path / "a.svg").write_text("<svg/>")
    (tmp_path / "site.css").write_text("@import 'base.css';")
    (tmp_path / "base.css").write_text(".x { background: url(a.svg) }")
    before = build_manifest(tmp_path)
    (tmp_path / "a.svg").write_text("<svg></svg>")
    after = build_manifest(tmp_path)
    assert before["base.css"] != after["base.css"] and before["site.css"] != after["site.css"]


def test_stylesheets_importing_each_other_still_load(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("@import 'b.css';")
    (tmp_path / "b.css").write_text("@import 'a.css';")
    built = build_assets(tmp_path)
    assert set(built.digests) == {"a.css", "b.css"}


def _release(folder: Path, colour: str) -> Flask:
    """A bare app serving ``folder`` as its static files, like one release of Consult."""
    (folder / "css").mkdir(parents=True)
    (folder / "img").mkdir()
    (folder / "img" / "logo.svg").write_text(f"<svg fill='{colour}'/>")
    (folder / "css" / "site.css").write_text(
        f"a {{ color: {colour}; background: url(../img/logo.svg) }}"
    )
    app = Flask("release", static_folder=str(folder), static_url_path="/static")
    assets_module.init_app(app)
    return app


def test_a_rolling_upgrade_never_caches_one_release_s_file_under_the_other_s_name(tmp_path):
    old, new = _release(tmp_path / "old", "black"), _release(tmp_path / "new", "navy")
    with old.test_request_context():
        old_name = url_for("static", filename="css/site.css")
    with new.test_request_context():
        new_name = url_for("static", filename="css/site.css")
    assert old_name != new_name
    for app, own, other in ((old, old_name, new_name), (new, new_name, old_name)):
        client = app.test_client()
        with client.get(own) as mine, client.get(other) as theirs:
            assert mine.headers["Cache-Control"] == IMMUTABLE
            # A page of the other release still gets a stylesheet, never kept under that name.
            assert theirs.status_code == 200 and theirs.headers["Cache-Control"] == OTHER_RELEASE
            assert theirs.data == mine.data
            logo = re.search(r"url\(([^)]+)\)", mine.get_data(as_text=True)).group(1)
            with client.get(
                posixpath.normpath(posixpath.join(posixpath.dirname(own), logo))
            ) as image:
                assert image.headers["Cache-Control"] == IMMUTABLE
        # A rewritten stylesheet answers a revalidation with 304.
        etag = client.get(own).headers["ETag"]
        assert client.get(own, headers={"If-None-Match": etag}).status_code == 304


def test_plain_and_outdated_names_are_never_kept_long(app: Flask) -> None:
    client = app.test_client()
    with client.get("/static/css/consult.css") as plain:
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == SHORT
        with client.get("/static/css/consult.0000000000.css") as outdated:
            assert outdated.status_code == 200
            assert outdated.headers["Cache-Control"] == OTHER_RELEASE
            assert outdated.data == plain.data
    assert client.get("/static/css/missing.0000000000.css").status_code == 404
    assert client.get("/static/../consult/config.py").status_code == 404


def test_url_for_hashes_only_known_static_files(app: Flask) -> None:
    with app.test_request_context():
        assert re.fullmatch(
            r"/static/js/deck\.[0-9a-f]{10}\.js", url_for("static", filename="js/deck.js")
        )
        assert url_for("static", filename="nope.css") == "/static/nope.css"
