"""A refused filter keeps what was typed (FilterReading.typed): on every page with filters (the
summary, the cross-tabulation, the freeze form, its review and its refusal) each field comes
back as it was typed, beside the sentence saying why it was not applied; and a snapshot is
never frozen with a filter part left out."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from consult.db import db
from consult.outcomes.models import OutcomeSnapshot
from tests.conftest import csrf_token
from tests.outcomes.conftest import fill_demo

REFUSED = [
    # (the fields as typed, words of the refusal)
    ({"from": "2022-03-10", "to": "2022-02-01"}, "is after the end date"),
    ({"from": "2022-03-10", "to": "2022-02-01", "region": "europe"}, "is after the end date"),
    ({"from": "2022-13-45"}, "is not a date"),
    ({"to": "yesterday", "from": "2022-01-01"}, "is not a date"),
    ({"region": "atlantis", "from": "2022-01-01"}, "region the consultation does not use"),
    ({"respondent_type": "pirates", "to": "2022-05-01"}, "respondent type"),
    ({"questionnaire": "nope", "from": "2022-02-01"}, "questionnaire the consultation"),
    ({"country": "ZZ", "language": "fr", "from": "2022-02-01"}, "country the consultation"),
    ({"language": "xx", "country": "FR", "to": "2021-01-01"}, "language the consultation"),
]


def _field_values(page: str, name: str) -> set[str]:
    """The values of every input named ``name`` (and the chosen option of a select)."""
    values = set()
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        found = re.search(r'value="([^"]*)"', tag)
        values.add(html.unescape(found.group(1)) if found else "")
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        values |= set(re.findall(r'<option value="([^"]*)" selected', select.group(1)))
    return values


def _kept(page: str, typed: dict[str, str], hidden_only: bool = False) -> list[str]:
    """The typed fields a page lost. A select cannot show a value it does not offer (the
    sentence above says it was not applied); a hidden field carries any value."""
    lost = []
    for name, value in typed.items():
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
        offered = set(re.findall(r'<option value="([^"]*)"', select.group(1))) if select else set()
        if select and value not in offered and not hidden_only:
            continue
        if value not in _field_values(page, name):
            lost.append(name)
    return lost


@pytest.fixture
def analyst(app, login):
    fill_demo(app, 12)
    return login(app.test_client(), "analyst")


@pytest.mark.parametrize(("typed", "words"), REFUSED)
def test_a_refused_filter_keeps_what_was_typed_on_every_page(app, analyst, typed, words):
    query = urlencode(typed)
    for path in (
        f"/staff/outcomes/?{query}",
        f"/staff/outcomes/crosstab?{query}",
        f"/staff/outcomes/crosstab?{query}&rows=region&columns=language",
        f"/staff/outcomes/snapshots?{query}",
    ):
        page = analyst.get(path).get_data(as_text=True)
        assert words in html.unescape(page), path
        assert not _kept(page, typed), (path, _kept(page, typed))
    form_page = analyst.get(f"/staff/outcomes/snapshots?{query}").get_data(as_text=True)
    fields = {"csrf_token": csrf_token(form_page), "label": "Typed", "timezone": "UTC"}
    for step, status in (("review", 200), ("confirm", 400)):
        reply = analyst.post(
            "/staff/outcomes/snapshots", data={**fields, **typed, "cutoff": "now", "step": step}
        )
        page = reply.get_data(as_text=True)
        assert reply.status_code == status, (step, page[:300])
        assert words in html.unescape(page), step
        assert not _kept(page, typed, hidden_only=True), (step, _kept(page, typed, True))
    with app.app_context():
        assert db.session.scalar(select(func.count(OutcomeSnapshot.id))) == 0
