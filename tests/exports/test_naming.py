"""Every downloaded file is named by one function from what it holds (consult.exports.naming):
what, which snapshot or live, filters, language, day; and its Content-Disposition is built by
one function (a safe ASCII filename and the exact name in filename*). A table of cases, a look
at the source for any other header, and a walk over every download link of the pages that
offer them: no two different downloads share a name."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from consult.exports.naming import content_disposition, download_name, parsed_filename
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("arguments", "keywords", "name"),
    [
        (
            ("outcomes", "participation:timeline", "partners"),
            {"fmt": "csv", "live": True},
            "consult-outcomes-participation-timeline-partners-live.csv",
        ),
        (
            ("outcomes", "participation:timeline", "local-governments"),
            {"fmt": "csv", "live": True},
            "consult-outcomes-participation-timeline-local-governments-live.csv",
        ),
        (
            ("charter", "art01", "figures"),
            {"fmt": "xlsx", "snapshot": 3, "language": "fr", "day": "2026-12-04T18:00:00+01:00"},
            "consult-charter-art01-figures-snapshot-3-fr-2026-12-04.xlsx",
        ),
        (
            ("outcomes", "question:barriers"),
            {"fmt": "png", "filters": {"region": "europe", "answers": ["a=b", "c=d"], "to": None}},
            "consult-outcomes-question-barriers-answers-a-b-answers-c-d-region-europe.png",
        ),
        (("Équité", None, ""), {"fmt": "pdf"}, "consult-equite.pdf"),
    ],
)
def test_a_name_says_what_the_file_holds(arguments, keywords, name):
    assert download_name(*arguments, **keywords) == name


def test_a_long_name_keeps_its_end():
    name = download_name("outcomes", "x" * 400, fmt="csv", language="es", day="2026-12-04")
    assert len(name) <= 190 and name.endswith("-es-2026-12-04.csv")


@pytest.mark.parametrize(
    ("name", "ascii_name", "encoded"),
    [
        ("consult-outcomes.csv", "consult-outcomes.csv", "consult-outcomes.csv"),
        (
            "Lettre d'engagement é.pdf",
            "Lettre d-engagement e.pdf",
            "Lettre%20d%27engagement%20%C3%A9.pdf",
        ),
        ('a";\r\nSet-Cookie: x=1.csv', "a-Set-Cookie- x-1.csv", None),
        ("../../etc/passwd", "etc-passwd", None),
        ("مرحبا.csv", "csv", None),
    ],
)
def test_the_header_is_safe_ascii_with_the_exact_name_beside(name, ascii_name, encoded):
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert parsed_filename(header) == ascii_name
    if encoded is not None:
        assert header.endswith(f"filename*=UTF-8''{encoded}")


def test_no_code_sets_a_content_disposition_of_its_own():
    """The one builder: any other would bypass the safe ASCII name and filename*."""
    offenders = []
    for path in (ROOT / "consult").rglob("*.py"):
        if path.name == "naming.py":
            continue
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r"[\"']Content-Disposition[\"']", text):
            following = text[found.end() : found.end() + 80]
            if "content_disposition(" not in following:
                offenders.append(f"{path.relative_to(ROOT)}: {following.strip()[:60]}")
    assert offenders == []


DOWNLOAD = re.compile(
    r'href="([^"]*(?:\.(?:csv|xlsx|svg|png|pptx|pdf|json)|format=(?:csv|xlsx))(?:\?[^"]*)?)"'
)


def _key(url: str, language: str) -> tuple:
    parts = urlsplit(url)
    args = sorted((k, v) for k, v in parse_qsl(parts.query) if k != "lang")
    return parts.path, tuple(args), language


def test_no_two_downloads_share_a_name(app, login):
    fill_demo(app, 60)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    public = app.test_client()
    pages = [
        (public, "/outcomes"),
        (public, "/charter/art01"),
        (public, "/charter/art02"),
        (admin, "/staff/outcomes/"),
        (admin, "/staff/outcomes/?region=europe"),
        (admin, "/staff/outcomes/snapshots/1"),
        (admin, "/staff/outcomes/1/deck"),
        (
            admin,
            "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers",
        ),
        (
            admin,
            "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers&region=europe",
        ),
    ]
    names: dict[str, tuple] = {}
    bodies: dict[str, str] = {}
    pngs = 0
    # Every page in English; in French the pages whose downloads are in a language (the
    # staff pages' downloads are the same code with the language part).
    walk = [("en", client, url) for client, url in pages]
    walk += [
        ("fr", client, url) for client, url in pages if not url.startswith("/staff/outcomes/1")
    ]
    for language, client, page_url in walk:
        joiner = "&" if "?" in page_url else "?"
        page = client.get(f"{page_url}{joiner}lang={language}").get_data(as_text=True)
        links = {h.replace("&amp;", "&") for h in DOWNLOAD.findall(page)}
        for href in sorted(h for h in links if not h.startswith("/static/")):
            if ".png" in href:  # one PNG in ten: the name is the SVG's, the rendering slow
                pngs += 1
                if pngs % 10:
                    continue
            joiner = "&" if "?" in href else "?"
            reply = client.get(f"{href}{joiner}lang={language}")
            assert reply.status_code == 200, href
            header = reply.headers.get("Content-Disposition", "")
            name = parsed_filename(header)
            assert name, (href, header)
            key = _key(href, language)
            digest = hashlib.sha256(reply.data).hexdigest()
            if names.setdefault(name, key) != key:
                # one name, two links: only for the very same file (a JSON in any language)
                assert bodies[name] == digest, (name, names[name], key)
            bodies.setdefault(name, digest)
    assert len(names) > 100
    assert any(".pptx" in n for n in names) and any("charter" in n for n in names)
