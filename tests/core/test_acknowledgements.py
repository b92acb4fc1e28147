"""An acknowledgement ("Thank you. Your contribution has been received", "Your answers are
saved", "Your personal link is on its way") is said once: the argument that carries it leaves
the address at once (303 to the clean URL), so a reload or a bookmark never says it again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult.core.acknowledgements import NAMES
from tests.conftest import Respondent
from tests.contributions.conftest import Contributor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(make_app):
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)


@pytest.mark.parametrize(
    ("query", "clean"),
    [
        ("?sent=1", ""),
        ("?saved=1", ""),
        ("?next=review&saved=1", "?next=review"),
        ("?link_sent=1&lang=fr", "?lang=fr"),
        ("?link_not_sent=1", ""),
        ("?receipt_not_sent=1", ""),
        ("?sent=unmailed&x=%C3%A9", "?x=%C3%A9"),
    ],
)
def test_the_argument_leaves_the_address_at_once(app, query, clean):
    reply = app.test_client().get("/contributions/status/some-token" + query)
    assert reply.status_code == 303
    assert reply.location == "/contributions/status/some-token" + clean


def test_the_redirect_never_leaves_the_site(app):
    client = app.test_client()
    for path in ("//evil.example/x?sent=1", "/\\evil.example?saved=1"):
        reply = client.get(path)
        assert reply.status_code in (303, 404) and "evil" not in reply.headers.get("Location", "")


def test_other_queries_and_posts_are_left_alone(app):
    client = app.test_client()
    assert client.get("/?page=1").status_code != 303
    assert client.post("/contributions/status/x/withdraw?sent=1").status_code != 303
    assert client.get("/contributions/status/x?sentence=1").status_code == 404  # not "sent"


def test_thanks_once_then_never_again(app):
    contributor = Contributor(app.test_client())
    reply = contributor.send()
    assert reply.status_code == 303 and "sent=1" in reply.location
    page = contributor.client.get(reply.location, follow_redirects=True)
    assert "Thank you. Your contribution has been received." in page.get_data(as_text=True)
    assert "sent" not in page.request.url
    again = contributor.client.get(reply.location.split("?")[0]).get_data(as_text=True)
    assert "Thank you. Your contribution has been received." not in again
    bookmarked = Contributor(app.test_client()).client
    first = bookmarked.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Thank you" in first  # the bookmark's first visit, once
    again = bookmarked.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Thank you" in again  # the address with ?sent=1 itself: said as it asks
    assert "Thank you" not in bookmarked.get(reply.location.split("?")[0]).get_data(as_text=True)


def test_a_page_save_says_saved_once(app):
    respondent = Respondent(app.test_client())
    respondent.start()
    reply = respondent.save("profile", {"q.institution_name": "Ville"}, action="save")
    assert reply.status_code == 303 and "saved=1" in reply.location
    shown = respondent.client.get(reply.location, follow_redirects=True)
    assert "Your answers are saved." in shown.get_data(as_text=True)
    assert "saved" not in shown.request.url
    again = respondent.client.get(shown.request.path).get_data(as_text=True)
    assert "Your answers are saved." not in again


def test_no_page_reads_an_acknowledgement_from_the_address():
    """Every argument named like one is in NAMES, and none is read from request.args."""
    sources = [*ROOT.glob("consult/**/*.py"), *ROOT.glob("templates/**/*.html")]
    read = re.compile(r"""request\.args\.get\(\s*["'](\w+)["']""")
    said = re.compile(r"""\b(\w*(?:sent|saved))\s*=\s*(?:1\b|["'])""")
    found_read, found_said = set(), set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found_read |= {name for name in read.findall(text) if name in NAMES}
        found_said |= set(said.findall(text))
    assert found_read == set()
    assert {"sent", "saved"} <= found_said
    assert found_said <= NAMES | {"link_sent"}, found_said - NAMES


def test_save_this_page_first_only_where_there_is_a_page_to_save(app):
    from tests.questionnaires.test_respond import fill_required

    respondent = Respondent(app.test_client())
    respondent.start()
    box = "This button saves this page first."
    assert box in respondent.page("profile").get_data(as_text=True)
    assert box in respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    fill_required(respondent)
    reply = respondent.submit(name="Ana", email="ana@example.org", consent="yes")
    assert reply.status_code == 303
    receipt = respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "E-mail me my personal link" in receipt and "Save this page first" not in receipt
    assert "so that you can ask for the link again." in receipt


@pytest.mark.parametrize(
    ("language", "joined"),
    [("en", "</a>: "), ("fr", "</a>\u00a0: "), ("es", "</a>: ")],
)
def test_a_field_and_its_message_are_joined_with_the_languages_colon(app, language, joined):
    contributor = Contributor(app.test_client())
    contributor.client.get(f"/contributions/new?lang={language}")
    page = contributor.send("x" * 20_000).get_data(as_text=True)
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert joined in summary and " : " not in summary.replace("\u00a0: ", "")
