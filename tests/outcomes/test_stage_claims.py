"""What the deck says on stage is never misleading: no past date named as still to come, no
withheld figure as a headline or embedded as a number, no "moved most" ranking of tiny bases,
and every date a person reads written by the one chokepoint (consult.i18n)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import render_template_string
from pptx import Presentation

from consult.i18n import format_moment, template_day
from consult.outcomes import deck_content, deck_pptx, stale_dates
from consult.outcomes.comparing import compare
from consult.outcomes.headlines_participation import participation_figure
from tests.conftest import csrf_token
from tests.outcomes.conftest import fill_demo

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "fr", "es")
#: The withheld word of each language: never a headline, never a number in a sentence.
NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}
#: What a figure counts, in each language: the withheld word before one is a number.
COUNTED = {
    "en": r"(?:questionnaire |published )?(?:responses?|respondents?|regions?|countries|country"
    r"|contributions?|cities)",
    "fr": r"(?:réponses?|répondants?|régions?|pays|contributions?|villes)",
    "es": r"(?:respuestas?|encuestados?|regiones|región|países|país|contribuciones|ciudades)",
}
DECK_DAY = date(2026, 12, 5)

# ---------------------------------------------------------------- 1. past dates as future


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("UCLG World Congress, Daejeon, October 2022", ["October 2022"]),
        ("Congrès mondial de CGLU, Daejeon, octobre 2022", ["octobre 2022"]),
        ("Congreso Mundial, Daejeon, octubre de 2022", ["octubre de 2022"]),
        ("Session on 23 February 2022", ["23 February 2022"]),
        ("le 1er octobre 2026", ["1er octobre 2026"]),
        ("el 30 de junio de 2026", ["30 de junio de 2026"]),
        ("on June 30, 2026", ["June 30, 2026"]),
        ("Signed in 2011 in Florence", ["2011"]),
        ("100 by the Congress, 1000 by 2030.", []),
        ("closes on 30 June 2027", []),
        ("all of December 2026", []),  # the data time's month is not wholly past
        ("5 December 2026", []),
        ("10, 100, 1000 cities", []),
        ("no date at all: article 12", []),
    ],
)
def test_past_dates_are_found_in_every_language(text, past):
    assert stale_dates.past_dates(text, DECK_DAY) == past


def test_the_default_closing_names_nothing_that_can_go_stale(app):
    """Found by a reviewer: a deck of December 2026 closed on "Next steps towards the Daejeon
    Congress ... October 2022", in every language and format."""
    with app.test_request_context("/"):
        closing = deck_content.default_closing()
        for language in LANGUAGES:
            said = f"{closing.title[language]}\n{closing.text[language]}"
            assert stale_dates.date_mentions(said) == [], (language, said)
            assert "Daejeon" not in said and "Congr" not in said, (language, said)


def test_no_default_text_announces_a_past_event(app):
    """Every catalog entry of the deck, the outcomes pages, the e-mails and the campaign: none
    names the Daejeon Congress (October 2022) or a past year as what comes next."""
    stale = re.compile(r"Daejeon|by the Congress|towards the .*Congress", re.IGNORECASE)
    sources = [*ROOT.joinpath("consult").rglob("*.py"), *ROOT.joinpath("templates").rglob("*")]
    found = [
        str(path.relative_to(ROOT))
        for path in sources
        if path.is_file()
        and path.suffix in (".py", ".html", ".txt")
        and "_(" in (text := path.read_text(encoding="utf-8", errors="replace"))
        and any(
            stale.search(message)
            for message in re.findall(r'_l?\(\s*"([^"]+)"', text)
            + re.findall(r"_l?\(\s*'([^']+)'", text)
        )
    ]
    assert found == []


def _freeze(app, login, responses, seed=21):
    fill_demo(app, responses, seed=seed)
    client = login(app.test_client(), "analyst")
    snapshots = "/staff/outcomes/snapshots"
    form = {"csrf_token": csrf_token(client.get(snapshots).get_data(as_text=True))}
    form |= {"label": "Stage", "cutoff": "now", "timezone": "Asia/Tokyo", "step": "confirm"}
    assert client.post(snapshots, data=form).status_code == 302
    return client


def test_a_closing_naming_a_past_date_is_refused_unless_confirmed_and_flagged(app, login):
    client = _freeze(app, login, 30)
    page = "/staff/outcomes/1/deck/closing?lang=en"
    html = client.get(page).get_data(as_text=True)
    assert 'data-closing="past-dates"' not in html  # the default names no date
    stale = {
        "csrf_token": csrf_token(html),
        "title_en": "Next steps",
        "text_en": "UCLG World Congress, Daejeon, October 2022: the Charter is presented",
        "title_fr": "Prochaines étapes",
        "text_fr": "Congrès mondial de CGLU, Daejeon, octobre 2022\u00a0: la Charte est présentée",
        "title_es": "Próximos pasos",
        "text_es": "Congreso Mundial de CGLU, Daejeon, octubre de 2022: se presenta la Carta",
    }
    refused = client.post(page, data=stale)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    for mention in ("October 2022", "octobre 2022", "octubre de 2022"):
        assert f"This names “{mention}”" in text
    confirmed = client.post(page, data=stale | {"past_dates_ok": "y"})
    assert confirmed.status_code == 303
    for path in (page, "/staff/outcomes/snapshots/1?lang=en"):
        shown = client.get(path).get_data(as_text=True)
        assert 'data-closing="past-dates"' in shown, path
        assert "names “October 2022”, “octobre 2022”, “octubre de 2022”" in shown, path


# ---------------------------------------------------- 2. a withheld figure is never a number


def _summary(responses, regions=5, filters=None):
    return {
        "questionnaires": [
            {"key": "local-governments", "responses": responses[0], "participation": {}},
            {"key": "partners", "responses": responses[1], "participation": {}},
        ],
        "region_labels": {f"r{n}": {"en": f"Region {n}"} for n in range(7)},
        "regions": regions,
        "filters": filters or {},
    }


@pytest.mark.parametrize(
    ("responses", "filters", "figure", "caption"),
    [
        ((6, 2), None, "8", "responses from 5 of the 7 UCLG regions"),
        ((None, 6), None, "5 of 7", "UCLG regions with responses; too few responses to show"),
        ((None, None), None, "5 of 7", "UCLG regions with responses; too few responses to show"),
        ((None, 6), {"region": "r1"}, "", "Responses from Region 1, the one region"),
    ],
)
def test_the_participation_headline_is_written_for_a_withheld_total(
    app, responses, filters, figure, caption
):
    """Found by a reviewer: with 8 responses the big figure read "not shown" and its caption
    "not shown responses from 5 of the 7 UCLG regions"."""
    with app.test_request_context("/?lang=en"):
        shown, said = participation_figure(_summary(responses, filters=filters))
    assert shown == figure
    assert said.startswith(caption), said
    for language in LANGUAGES:
        with app.test_request_context(f"/?lang={language}"):
            shown, said = participation_figure(_summary(responses, filters=filters))
        assert NOT_SHOWN[language] not in f"{shown} {said}"


def _sentences(text: str, language: str) -> list[str]:
    """Every place the withheld word stands as a number: a headline, or before a noun."""
    word = NOT_SHOWN[language]
    return re.findall(rf"{word}\s+(?:de\s+)?{COUNTED[language]}", text, re.IGNORECASE)


def test_a_small_deck_never_shows_a_withheld_figure_as_a_number(app, login):
    """The walk: the deck of 8 responses (a questionnaire's count withheld), in HTML, PPTX with
    its notes and the presenter's notes (the PDF prints that HTML and those notes), in every
    language: no headline "not shown", no "not shown responses"."""
    client = _freeze(app, login, 8)
    for language in LANGUAGES:
        html = client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
        slides = deck_pptx.read_slides(html)
        who = next(slide for slide in slides if slide.key == "participation")
        said = " ".join(paragraph.text for paragraph in who.body)
        assert not said.startswith(NOT_SHOWN[language]), said
        assert 'big-number">' + NOT_SHOWN[language] not in html
        texts = [paragraph.text for slide in slides for paragraph in slide.body]
        pptx = client.get(f"/staff/outcomes/1/deck.pptx?lang={language}")
        assert pptx.status_code == 200
        deck = Presentation(io.BytesIO(pptx.data))
        for slide in deck.slides:
            texts += [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
            if slide.has_notes_slide:
                texts.append(slide.notes_slide.notes_text_frame.text)
        presenter = client.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
        texts.append(re.sub(r"<[^>]+>", " ", presenter.get_data(as_text=True)))
        found = [hit for text in texts for hit in _sentences(" ".join(text.split()), language)]
        assert found == [], (language, found)


# ------------------------------------------------------------ 3. "moved most" needs its base


def _question(share, base, option="regional"):
    return {
        "key": "scale",
        "type": "single_choice",
        "label": {"en": "At what scale do you mainly work?"},
        "base": base,
        "options": [
            {"key": option, "label": {"en": "Regional"}, "count": round(share * base),
             "share": share},
            {"key": "other", "label": {"en": "Other"}, "count": base - round(share * base),
             "share": 1 - share},
        ],
    }  # fmt: skip


def _side(questions, responses=10):
    return {
        "questionnaires": [
            {
                "key": "partners",
                "title": {"en": "Partners"},
                "responses": responses,
                "participation": {"by_region": []},
                "questions": questions,
            }
        ]
    }


@pytest.mark.parametrize(
    ("before", "after", "ranked", "unranked"),
    [
        ((1.0, 1), (0.25, 4), 0, 1),  # the reviewer's "100.0% → 25.0%" of 1 then 4 partners
        ((1.0, 4), (0.5, 20), 0, 1),  # small on one side only
        ((0.8, 10), (0.5, 20), 1, 0),
        ((0.8, 5), (0.6, 5), 1, 0),  # at the threshold: ranked
    ],
)
def test_moved_most_ranks_only_shares_of_enough_respondents(before, after, ranked, unranked):
    comparison = compare(
        _side([_question(*before)]), [1], _side([_question(*after)]), [1, 2], minimum=5
    )
    assert len(comparison.changed_questions) == ranked
    assert comparison.unranked_changes == unranked
    for row in comparison.changed_questions:
        assert (row["before_n"], row["after_n"]) == (before[1], after[1])


def test_the_snapshot_page_shows_each_share_with_its_base(app, login):
    client = _freeze(app, login, 30)
    fill_demo(app, 12, seed=5)
    html = client.get("/staff/outcomes/snapshots/1?lang=en").get_data(as_text=True)
    table = html.split("Leading answers that moved most", 1)
    if len(table) == 2:
        rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table[1].split("</table>")[0])
        assert rows
        for row in rows:
            assert row.count("(n = ") == 2, row


# --------------------------------------------------------------------- 4. one date chokepoint

#: Babel's and Flask-Babel's date writers: called only by consult/i18n.py.
DIRECT = re.compile(
    r"\b(?:format_date|format_datetime|format_skeleton|format_time|format_interval)\s*\("
    r"|from (?:flask_)?babel(?:\.dates)? import .*\bformat_(?:date|datetime|skeleton|time)\b"
    r"|\bbabel_dates\.format_|\bbabel\.dates\.format_"
)


def test_no_date_is_formatted_outside_the_chokepoint():
    """Found by a reviewer: e-mails and pages wrote dates by Babel directly, in US form and
    without the zone ("June 30, 2027"), beside pages saying "30 June 2027, 23:59 UTC"."""
    offenders = []
    for path in [*ROOT.joinpath("consult").rglob("*.py"), *ROOT.joinpath("templates").rglob("*")]:
        if not path.is_file() or path.suffix not in (".py", ".html", ".txt"):
            continue
        relative = str(path.relative_to(ROOT))
        if relative in ("consult/i18n.py", "consult/mail/compose.py"):  # the chokepoint; RFC 5322
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".py" and DIRECT.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


#: A date printed as it is stored in a template: an attribute that holds a date (``.date``,
#: ``.day``, ``*_at``, ``*_dt``, ``*_date``, ``*_day``) or an ISO text (``isoformat()``,
#: ``strftime``), in ``{{ }}`` with no filter or function around it. English RFC 5322 text or
#: an ISO date on a French page; the ``moment`` filter, ``format_date`` or ``p.day`` write it.
RAW_DATE = re.compile(
    r"\{\{-?\s*\(?[\w.\[\]'\" ]*?(?:\.|\b)(?:date|day|\w+_at|\w+_dt|\w+_date|\w+_day)\b\)?"
    r"(?:\.isoformat\(\)|\.strftime\([^)]*\))?(?:\s+or\s+[^}|]*?)?\s*-?\}\}"
    r"|\{\{[^}|]*\.(?:isoformat\(\)|strftime\()[^}|]*\}\}"
)
#: An attribute value (``datetime="..."``, ``max="..."``, ``data-*``) is read by machines.
IN_ATTRIBUTE = re.compile(r'[\w-]+="$')


def test_no_template_prints_a_date_raw():
    """Found by a reviewer: the outbox's written messages showed their Date header as is,
    "Sat, 05 Dec 2026 02:11:23 +0000", on the French page."""
    offenders = []
    for path in ROOT.joinpath("templates").rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".txt", ".svg"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for found in RAW_DATE.finditer(line):
                if not IN_ATTRIBUTE.search(line[: found.start()]):
                    relative = path.relative_to(ROOT)
                    offenders.append(f"{relative}:{number}: {found.group(0)}")
    assert offenders == []


@pytest.mark.parametrize(
    ("printed", "raw"),
    [
        ("{{ file.date }}", True),
        ("{{ letter.uploaded_at }}", True),
        ("{{ bar.day.isoformat() }}", True),
        ("{{ (c.published_at or c.created_at).isoformat() }}", True),
        ("{{ file.date or '' }}", True),
        ("{{ file.date|moment }}", False),
        ("{{ format_date(bar.day) }}", False),
        ("{{ p.day(day.date) }}", False),
        ("{{ date_label }}", False),
    ],
)
def test_the_raw_date_rule(printed, raw):
    assert bool(RAW_DATE.search(printed)) is raw


@pytest.mark.parametrize(
    ("language", "value", "width", "expected"),
    [
        ("en", date(2026, 12, 4), "long", "4 December 2026"),
        ("fr", date(2026, 12, 1), "long", "1er décembre 2026"),
        ("es", date(2026, 12, 4), "long", "4 de diciembre de 2026"),
        ("en", date(2026, 12, 4), "medium", "4 Dec 2026"),
        ("en", datetime(2027, 6, 30, 23, 59, tzinfo=UTC), "long", "30 June 2027, 23:59 UTC"),
        ("fr", datetime(2027, 6, 30, 23, 59, tzinfo=UTC), "short", "30 juin 2027, 23:59 UTC"),
        ("es", datetime(2027, 6, 30, 23, 59), "long", "30 de junio de 2027, 23:59 UTC"),
    ],
)
def test_templates_write_days_and_moments_one_way(app, language, value, width, expected):
    """``format_date`` in a template: a day the British way, a moment with its time and zone."""
    with app.test_request_context(f"/?lang={language}"):
        assert template_day(value, width) == expected
        written = render_template_string(
            "{{ format_date(value, width) }}", value=value, width=width
        )
        assert written == expected


def test_the_campaign_slide_agrees_with_the_deck_data_time(app, login):
    """Found by a reviewer: "Signataires vérifiés au 4 décembre 2026" on a deck whose data time
    is "5 décembre 2026, 07:45 JST" (the campaign's UTC day)."""
    from consult.outcomes.deck_campaign import campaign_view

    frozen = {"total": 1, "countries": 1, "pioneers": 1, "by_region": {}, "commitments": {},
              "milestones": [], "as_of": "2026-12-04"}  # fmt: skip
    with app.test_request_context("/?lang=fr"):
        view = campaign_view({"campaign": frozen}, {}, "5 décembre 2026, 07:45 JST")
    assert view["as_of"] == "5 décembre 2026, 07:45 JST"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_link_e_mail_writes_the_closing_moment_with_its_zone(app, client, language):
    """Found by a reviewer: "until the questionnaire closes on June 30, 2027." in an e-mail
    whose page says "30 June 2027, 23:59 UTC"."""
    from consult.questionnaires.registry import get_questionnaire
    from tests.conftest import Respondent
    from tests.mail.test_respondents import email_link, outbox

    client.get(f"/questionnaires/local-governments?lang={language}")
    respondent = Respondent(client)
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "someone@example.org")
    [message] = outbox(app)
    with app.test_request_context(f"/?lang={language}"):
        closes = format_moment(get_questionnaire("local-governments").closes_at)
    assert closes in message.body_text
    us_date = r"\b(?:January|February|March|April|May|June|July|August|September|October"
    us_date += r"|November|December) \d{1,2}, \d{4}"
    assert not re.search(us_date, message.body_text)
