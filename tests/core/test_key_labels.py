"""A key as a person reads it (consult.core.key_labels): a table of cases on the labels, and a
walk over every staff page in French that fails on any known key (region, type, question,
option, questionnaire, role) printed as a word of the visible text."""

from __future__ import annotations

import re

import lxml.html
from sqlalchemy import select

from consult.core.key_labels import key_label
from consult.core.vocabulary import ORGANISATION_TYPE_NAMES
from consult.db import db
from consult.geography import REGION_KEYS
from consult.questionnaires.models import Answer
from consult.questionnaires.registry import current_questionnaires
from consult.staff.access import ROLES
from tests.conftest import csrf_token
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze

LABELS = [
    ("fr", lambda: key_label.region("asia_pacific"), "Asie-Pacifique"),
    ("fr", lambda: key_label.role("analyst"), "analyste"),
    ("es", lambda: key_label.role("admin"), "administrador"),
    ("fr", lambda: key_label.breakdown("region"), "Région"),
    ("fr", lambda: key_label.language("fr"), "français"),
    ("es", lambda: key_label.language("en"), "inglés"),
    ("fr", lambda: key_label.organisation_type("local_government"), None),
    ("fr", lambda: key_label.questionnaire("local-governments"), None),
    ("fr", lambda: key_label.question("local-governments", "final_priority"), None),
    # no key: returned as it is
    (
        "fr",
        lambda: key_label.option("local-governments", "final_priority", "Mon texte"),
        "Mon texte",
    ),
    ("fr", lambda: key_label.region("atlantis"), "atlantis"),
    ("fr", lambda: key_label.role(None), ""),
]


def test_a_key_reads_as_words(app):
    # One app for the whole table: setting one up costs far more than the cases.
    for number, (language, label, expected) in enumerate(LABELS):
        with app.test_request_context(f"/?lang={language}"):
            found = label()
        if expected is None:
            assert found and "_" not in found and "-governments" not in found, number
        else:
            assert found == expected, number


def known_keys(app) -> set[str]:
    """The keys a person should never read: regions, types, questions, options, questionnaires,
    roles, organisation types (the ones made of several words, and every region and role)."""
    keys = set(REGION_KEYS) | set(ROLES) | set(ORGANISATION_TYPE_NAMES)
    with app.app_context():
        for key, definition in current_questionnaires().items():
            keys.add(key)
            for section in definition.sections:
                for question in section.questions:
                    keys.add(question.key)
                    keys.update(o.key for o in (*question.options, *question.rows))
    # One-word keys that are French words too, or plain numbers, cannot be told apart in text.
    return {k for k in keys if ("_" in k or "-" in k or k in REGION_KEYS or k in ROLES)}


def visible_text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style|//*[contains(@class, 'user-text')]"):
        node.drop_tree()
    # Every text node apart: <dt>Valeur</dt><dd>x</dd> reads "Valeur x", not "Valeurx".
    return " ".join(" ".join(tree.itertext()).split())


#: Pages whose job is to show keys: the audit log (records as stored: action codes and details)
#: and the campaign's commitments, whose keys staff set and edit there.
RECORDS = ("/staff/audit", "/staff/campaign/options")


def test_no_staff_page_in_french_prints_a_key(app, login):
    fill_demo(app, 30)
    client = login(app.test_client(), "admin")
    with app.app_context():
        text_answer = db.session.execute(
            select(Answer.response_id, Answer.question_key).where(
                Answer.question_key == "final_priority"
            )
        ).first()
    page = client.get("/staff/outcomes/quotes").get_data(as_text=True)
    client.post(
        "/staff/outcomes/quotes",
        data={
            "csrf_token": csrf_token(page),
            "response_id": text_answer.response_id,
            "question": "final_priority",
        },
    )
    assert freeze(client).status_code == 302
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not str(rule).startswith("/staff"):
            continue
        if set(rule.arguments) - {"snapshot_id", "user_id", "contribution_id", "pledge_id"}:
            continue
        urls.add(re.sub(r"<[^>]+>", "1", str(rule)))
    summary = client.get("/staff/outcomes/?lang=fr").get_data(as_text=True)
    # The responses behind figures: every kind of link the summary gives (values, breakdowns).
    rows = sorted(set(re.findall(r'href="(/staff/outcomes/rows\?[^"]+)"', summary)))
    assert len(rows) > 40
    urls.update(link.replace("&amp;", "&") for link in rows[:: max(1, len(rows) // 40)])
    urls.update(
        f"/staff/outcomes/rows?questionnaire=local-governments&breakdown={b}&value={v}"
        for b, v in (("region", "asia_pacific"), ("respondent_type", "intermediary_city"))
    )
    keys = known_keys(app)
    pattern = re.compile(r"(?<![\w@./-])(" + "|".join(map(re.escape, keys)) + r")(?![\w@-])")
    found = {}
    checked = 0
    for url in sorted(urls):
        if url.startswith(RECORDS) or url.endswith((".pptx", ".pdf", ".json", ".csv")):
            continue
        reply = client.get(url + ("&" if "?" in url else "?") + "lang=fr")
        if reply.status_code != 200 or reply.mimetype != "text/html":
            continue
        checked += 1
        hits = set(pattern.findall(visible_text(reply.get_data(as_text=True))))
        if hits:
            found[url] = sorted(hits)
    assert checked > 20
    assert not found, found
