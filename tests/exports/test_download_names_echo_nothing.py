"""A download's file name is built from known values only: a parameter it does not read, or
one naming nothing known, is never echoed (consult.exports.naming; downloads.figure gives the
figure's own name and questionnaire, the rows download its known selection).

Every download link of the outcomes pages (public and staff), the invitation links and a
workspace export, each asked again with hostile extra parameters.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from consult.exports.naming import parsed_filename
from tests.exports.test_naming import DOWNLOAD
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish

#: Looked for in every name: what the hostile parameters carried.
MARK = "zqx"
HOSTILE = f'{MARK}"\r\nA:b'
#: Every argument some download reads: each one a link does not carry is added, hostile.
READ_SOMEWHERE = (
    "of",
    "question",
    "part",
    "value",
    "theme",
    "breakdown",
    "questionnaire",
    "with_notes",
    "notes",
    "table",
    "key",
)
#: The download routes the walk must reach (each answers a file with a name).
DOWNLOAD_ENDPOINTS = {
    "outcomes_public.figure",
    "outcomes.figure",
    "outcomes.rows",
    "outcomes.crosstab_page",
    "outcomes.snapshot_json",
    "outcomes_deck.pptx",
    "outcomes_deck.pdf",
    "charter.outcomes_table",
    "staff.invitation_links",
    "staff.export_download",
}


def _hostile(href: str) -> list[list[str]]:
    """Ways to ask ``href`` with hostile extra parameters, each a list of tries: the first
    that answers 200 counts (a download refusing one parameter, 400, is asked without it)."""
    parts = urlsplit(href)
    args = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _v in args}
    missing = [(k, HOSTILE) for k in READ_SOMEWHERE if k not in present]
    unknown = [(f"{MARK}key", HOSTILE)]
    # All at once; where refused, one at a time.
    tries = [[*args, *unknown, *missing]] + [[*args, *unknown, extra] for extra in missing]
    ways = [tries]
    # A family named alone ("regions", "articles") with text after its colon.
    if any(k == "name" and ":" not in v for k, v in args):
        ways.append([[(k, f"{v}:{HOSTILE}" if k == "name" else v) for k, v in args]])
    return [[f"{parts.path}?{urlencode(t)}" for t in way] for way in ways]


def _checked(app, client, href: str, reached: set[str]) -> int:
    """Ask every hostile way of ``href``; return how many answered a named file."""
    named = 0
    for way in _hostile(href):
        for url in way:
            with client.get(url) as reply:
                status = reply.status_code
                header = reply.headers.get("Content-Disposition", "")
            if status != 200 or not header:
                continue
            assert MARK not in header.lower() and "a-b" not in header.lower(), (url, header)
            assert parsed_filename(header), header
            endpoint, _args = app.url_map.bind("localhost").match(urlsplit(url).path)
            reached.add(endpoint)
            named += 1
            if url == way[0]:
                break  # every parameter at once was read or ignored: nothing more to try
    return named


def test_the_reported_name_is_no_longer_echoed(app, login):
    """The reviewer's link, and the other ways into a figure named by its family alone."""
    fill_demo(app, 30)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    for query, start in (
        ('name=regions&of=x"%0d%0aA:b', "consult-outcomes-public-regions-snapshot-1-"),
        ('name=regions:x"%0d%0aA:b', "consult-outcomes-public-regions-snapshot-1-"),
        ("name=articles:evil&of=partners", "consult-outcomes-public-articles-snapshot-1-"),
        (
            "name=participation:region&of=partners&zqx=1",
            "consult-outcomes-public-participation-region-partners-snapshot-1-",
        ),
    ):
        reply = app.test_client().get(f"/outcomes/figure.csv?{query}")
        assert reply.status_code == 200, query
        name = parsed_filename(reply.headers["Content-Disposition"])
        assert name.startswith(start) and "evil" not in name and "-x-" not in name, name


def test_no_download_echoes_a_parameter(app, login):
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    public = app.test_client()
    pages = [
        (public, "/outcomes"),
        (public, "/charter/art01"),
        (admin, "/staff/outcomes/"),
        (admin, "/staff/outcomes/?region=europe"),
        (admin, "/staff/outcomes/snapshots/1"),
        (admin, "/staff/outcomes/1/deck"),
        (
            admin,
            "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers",
        ),
    ]
    reached: set[str] = set()
    named = 0
    for client, page_url in pages:
        page = client.get(page_url).get_data(as_text=True)
        links = sorted({h.replace("&amp;", "&") for h in DOWNLOAD.findall(page)})
        # One link of each path and set of argument names (the figures repeat by the hundred).
        shapes: dict[tuple, str] = {}
        for href in links:
            if href.startswith("/static/") or ".png" in href:
                continue
            parts = urlsplit(href)
            names = tuple(sorted(k for k, _v in parse_qsl(parts.query)))
            path = re.sub(r"\.(svg|csv|xlsx)$", ".table-or-chart", re.sub(r"\d+", "N", parts.path))
            shapes.setdefault((path, names), href)
        for href in shapes.values():
            named += _checked(app, client, href, reached)
    # The rows behind figures (their CSV is linked from the rows page), a cross-tabulation.
    summary = admin.get("/staff/outcomes/").get_data(as_text=True)
    rows_pages = [
        h.replace("&amp;", "&")
        for h in re.findall(r'href="(/staff/outcomes/rows\?[^"]+)"', summary)
    ]
    by_shape = {tuple(sorted(dict(parse_qsl(urlsplit(h).query)))): h for h in rows_pages}
    for href in by_shape.values():
        named += _checked(app, admin, href + "&format=csv", reached)
    crosstab = "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:"
    named += _checked(app, admin, crosstab + "barriers&format=csv", reached)
    # The invitation links and a workspace export, asked with the same extra parameters.
    named += _checked(app, admin, "/staff/invitations/links.csv", reached)
    page = admin.get("/staff/exports").get_data(as_text=True)
    from consult.staff.exporting import wait_for_jobs
    from tests.conftest import csrf_token

    reply = admin.post(
        "/staff/exports",
        data={"csrf_token": csrf_token(page), "format": "csv", "questionnaire": ""},
    )
    wait_for_jobs(app)
    job = admin.get(reply.location).get_data(as_text=True)
    for href in re.findall(r'href="(/staff/exports/\d+/download/\d)"', job):
        named += _checked(app, admin, href, reached)
    assert named > 40
    assert reached >= DOWNLOAD_ENDPOINTS, DOWNLOAD_ENDPOINTS - reached
