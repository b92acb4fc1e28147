"""Text as the browser typed it, through every form: a line break counts one character (as the
browser's counter counts it), and the invisible direction-reversing controls never reach the
database, the pages, the exports or the PDF (the chokepoint: consult/core/inputs.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.db import Base, db
from tests.conftest import Respondent
from tests.contributions.conftest import Contributor

#: What a browser sends for two lines typed in a text area, with a reversed file name pasted in.
TYPED = "Line one\r\nLine two \u202egnp.exe\u202c \u2066isolated\u2069"
STORED = "Line one\nLine two gnp.exe isolated"
FORBIDDEN = re.compile("[\r\u202a-\u202e\u2066-\u2069]")


def _lines_of(total: int, lines: int) -> str:
    """A text of ``total`` characters as the browser counts them, with CR LF line breaks."""
    line = "x" * (total // lines - 1)
    text = "\n".join([line] * lines)
    text += "y" * (total - len(text))
    return text.replace("\n", "\r\n")


@pytest.fixture
def app(make_app):
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)


def test_a_text_at_its_limit_in_the_browser_count_is_accepted_with_crlf_breaks(app):
    """Questionnaire (1,000 and 5,000-character answers) and contribution (its own limit)."""
    respondent = Respondent(app.test_client(), "partners")
    respondent.start()
    text = _lines_of(1000, 100)
    assert len(text) == 1099 and len(text.replace("\r\n", "\n")) == 1000
    reply = respondent.save("final", {"q.charter_sentence": text}, action="save")
    assert reply.status_code == 303, reply.get_data(as_text=True)[:2000]
    reply = respondent.save("final", {"q.charter_sentence": text + "z"}, action="save")
    assert reply.status_code == 422  # one over: still refused
    assert "1001" in reply.get_data(as_text=True)
    limit = app.config["CONTRIBUTION_MAX_LENGTH"]
    contributor = Contributor(app.test_client())
    assert contributor.send(_lines_of(limit, 100)).status_code == 303


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for key, each in value.items():
            yield from _strings(key)
            yield from _strings(each)
    elif isinstance(value, list | tuple):
        for each in value:
            yield from _strings(each)


def test_every_form_stores_line_feeds_and_no_bidi_controls(app, login, respondent_factory):
    """Every POST route, every field name, the typed text; then every text in every table."""
    from consult.questionnaires.registry import current_questionnaires

    admin = login(app.test_client(), "admin")
    app.config["WTF_CSRF_ENABLED"] = False
    respondent = respondent_factory(app.test_client())
    token = respondent.start()
    Contributor(app.test_client()).send(TYPED)
    respondent.save("profile", {"q.institution_name": TYPED}, action="save")
    with app.app_context():
        names = {q.key for qs in current_questionnaires().values() for q in qs.questions}
    names = {f"q.{name}" for name in names} | {
        "text", "name", "organisation_name", "signature", "comment", "note", "label",
        "question", "contact.name", "contact.job_title", "institution_name", "commitment",
        "subject", "body", "response", "summary", "title", "reason",
    }  # fmt: skip
    form = {name: TYPED for name in names}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "staff.logout":
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = token if argument == "token" else "local-governments"
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", value)
        for client in (app.test_client(), admin):
            assert client.post(path, data=form).status_code < 500, path
    found = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for text in _strings(tuple(row)):
                    if "Line two" in text or "gnp.exe" in text:
                        found.append((table.name, text))
    assert {name for name, _text in found} >= {"contributions", "responses"}, found
    assert not [(name, text) for name, text in found if FORBIDDEN.search(text)]
    assert any(STORED in text for _name, text in found)
