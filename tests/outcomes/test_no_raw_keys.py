"""No raw question, option or questionnaire key reaches a staff or public outcomes page, a
download's header or title, or a message: labels in the page's language only (keys stay in
the codebook and the exports' variable names). Walks every page an answer filter, a
cross-tabulation or an older ambiguous link can reach."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest

from consult.outcomes.filter_reading import closed_questions
from tests.outcomes.conftest import fill_demo

LG, PA = "local-governments", "partners"

#: A key as the questionnaires spell it: snake_case words, or a questionnaire's key.
RAW_KEY = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b|local-governments|\b[a-z_]+:[a-z_]+\b")


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes outside scripts, and labels in attributes."""

    SPOKEN = ("title", "aria-label", "alt", "placeholder", "label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts += [value or "" for name, value in attrs if name in self.SPOKEN]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The visible text of an HTML page, one string."""
    reader = _Visible()
    reader.feed(page)
    return " ".join(reader.parts)


def raw_keys(text: str, words: frozenset[str] = frozenset()) -> set[str]:
    """The raw keys in a text: snake_case ones, and ``words`` (keys that read like words)
    quoted or followed by a colon, as a message or a table would name them."""
    found = set(RAW_KEY.findall(text))
    return found | {w for w in words if f"“{w}”" in text or re.search(rf"\b{w}:\S", text)}


def questionnaire_keys(app) -> frozenset[str]:
    """Every question and option key of the current questionnaires."""
    from consult.questionnaires.registry import current_questionnaires

    with app.app_context():
        keys = set()
        for questionnaire in current_questionnaires().values():
            for question in questionnaire.questions:
                keys.add(question.key)
                keys |= {o.key for o in getattr(question, "options", None) or ()}
    return frozenset(keys)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("“Main barriers” (Partners): Lack of funding", set()),
        ("Filtered view: charter_2011_adopted: yes", {"charter_2011_adopted"}),
        ("“barriers” is asked by local-governments", {"barriers", "local-governments"}),
        ("partners:barriers", {"partners:barriers"}),
        ("12:15 slot, 2026-12-04 08:00", set()),
        ("“barriers” is asked by several questionnaires", {"barriers"}),
        ("The main barriers: funding", set()),
    ],
)
def test_the_detector_finds_keys_and_only_keys(text, found):
    assert raw_keys(text, frozenset({"barriers", "funding"})) == found


def _table(reply) -> list[list[str]]:
    kind = reply.mimetype
    if kind == "text/csv":
        return list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    sheet = openpyxl.load_workbook(io.BytesIO(reply.data)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


PAGES = [
    "/staff/outcomes/?answer=barriers:funding",
    f"/staff/outcomes/?answer={LG}:charter_2011_adopted:yes&answer=barriers:insufficient_funding",
    "/staff/outcomes/crosstab?rows=barriers&columns=knows_charter",
    "/staff/outcomes/crosstab?rows=knows_charter&columns=barriers&format=csv",
    f"/staff/outcomes/crosstab?rows={PA}:knows_charter&columns={PA}:barriers",
    f"/staff/outcomes/crosstab?rows={PA}:knows_charter&columns={PA}:barriers&public=1",
    f"/staff/outcomes/crosstab?rows={PA}:barriers&columns={LG}:charter_2011_adopted",
    "/staff/outcomes/snapshots?answer=barriers:funding",
    "/staff/outcomes/?respondent_type=region&region=north_america",
    "/staff/outcomes/crosstab?respondent_type=not_a_type&rows=barriers&columns=x",
    f"/staff/outcomes/snapshots?answer={LG}:charter_2011_adopted:yes",
]

DOWNLOADS = [
    f"/staff/outcomes/figure.csv?name=question:barriers&of={PA}&answer={PA}:knows_charter:no",
    f"/staff/outcomes/figure.xlsx?name=question:article_relevance&of={LG}&region=europe",
    f"/staff/outcomes/figure.csv?name=question:new_themes_top3&of={LG}"
    f"&answer={LG}:charter_2011_adopted:yes",
    f"/staff/outcomes/figure.csv?name=participation:respondent_type&of={PA}",
    f"/staff/outcomes/crosstab?rows={PA}:knows_charter&columns={PA}:barriers&format=csv",
    f"/staff/outcomes/crosstab?rows={PA}:knows_charter&columns={PA}:barriers&format=xlsx&public=1",
]


def test_no_page_message_or_download_shows_a_raw_key(app, login):
    """Every page of PAGES (refusals included) and every table of DOWNLOADS, in each language:
    no key in what a reader sees, and the questions named by their wording."""
    fill_demo(app, 60, seed=5)
    client = login(app.test_client(), "analyst")
    keys = questionnaire_keys(app)
    for language in ("en", "fr", "es"):
        _walk(app, client, keys, language)


def _walk(app, client, keys, language):
    with app.test_request_context(f"/?lang={language}"):
        from flask_babel import refresh

        refresh()
        wording = {entry["label"] for entry in closed_questions().values()}
    for page in PAGES:
        reply = client.get(f"{page}&lang={language}")
        assert reply.status_code in (200, 400), page
        text = visible_text(reply.get_data(as_text=True))
        assert not raw_keys(text, keys), (page, raw_keys(text, keys))
        if reply.status_code == 400 or "barriers:funding" in page:
            assert any(label in text for label in wording), page
    for download in DOWNLOADS:
        table = _table(client.get(f"{download}&lang={language}"))
        cells = " ".join(" ".join(line) for line in table)
        assert not raw_keys(cells, keys), (download, raw_keys(cells, keys))
