"""The deck from the back of a room: every slide at 1280x720 and 1920x1080, in English, French
and Spanish, with no text under 18 px (at 1280x720), no two texts overlapping and nothing
outside its slide, no article title cut on the heat map, with the longest headlines the
questionnaires can produce; the presenter view; axe-core on both."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.contributions.charter import load_charter
from consult.db import db, writing
from consult.outcomes import data, deck_views, headlines, operations, presenting
from consult.outcomes.deck_settings import save_closing
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.outcomes.formatting import t
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import (  # noqa: F401 (fixture)
    outcomes_app,
    published_demo,
    sign_in,
)
from tests.outcomes.quote_texts import LONG_QUOTES

LANGUAGES = ("en", "fr", "es")
NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}
#: The smallest text allowed on a slide at 1280x720, in CSS pixels.
SMALLEST = 18

#: Every visible text of the current slide: its boxes (HTML text nodes line by line, SVG text
#: elements whole) and its rendered font size (an SVG text's size scaled like its drawing).
MEASURE = """
() => {
  const slide = document.querySelector('.slide.current');
  const frame = slide.getBoundingClientRect();
  const texts = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!text) continue;
    const element = node.parentElement;
    if (element.closest('title, desc, .visually-hidden, [hidden]')) continue;
    const style = getComputedStyle(element);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const svgText = element.closest('text');
    let size = parseFloat(style.fontSize);
    let boxes;
    if (svgText) {
      const matrix = svgText.getScreenCTM();
      size = parseFloat(getComputedStyle(svgText).fontSize) * Math.hypot(matrix.a, matrix.b);
      boxes = [(element.closest('tspan') || svgText).getBoundingClientRect()];
    } else {
      const range = document.createRange();
      range.selectNodeContents(node);
      boxes = Array.from(range.getClientRects());
    }
    // Text clipped away (a clamped question's last lines) is not seen: only the visible part.
    let clip = null;
    for (let up = element; up && up !== slide; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflow;
      if (overflow !== 'visible' && !up.closest('svg')) {
        clip = up.getBoundingClientRect();
        break;
      }
    }
    for (const box of boxes) {
      let top = box.top, bottom = box.bottom;
      if (clip) { top = Math.max(top, clip.top); bottom = Math.min(bottom, clip.bottom); }
      if (box.width < 1 || bottom - top < 1) continue;
      texts.push({text: text.slice(0, 40), size: size, left: box.left, top: top,
                  right: box.right, bottom: bottom, owner: node});
    }
  }
  const small = texts.filter(t => t.size < %SMALLEST% - 0.25).map(t => [t.text, t.size]);
  const outside = texts.filter(t => t.left < frame.left - 1 || t.top < frame.top - 1 ||
      t.right > frame.right + 1 || t.bottom > frame.bottom + 1).map(t => t.text);
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.owner === b.owner) continue;
      const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      // Glyph boxes of adjacent lines may touch; a real collision covers a good part of one.
      const smaller = Math.min(a.bottom - a.top, b.bottom - b.top);
      if (width > 2 && height > 0.3 * smaller) overlaps.push([a.text, b.text]);
    }
  }
  // A text must stay inside its own box: an SVG text inside the shape it is drawn on (a map
  // tile, a heat-map cell: the rect of its group), an HTML text inside its block.
  const overflowing = [];
  for (const t of texts) {
    const element = t.owner.parentElement;
    let box = null;
    const svgText = element.closest('text');
    if (svgText) {
      const group = svgText.parentElement;
      const shape = group && group.tagName === 'g' ? group.querySelector(':scope > rect') : null;
      if (shape) box = shape.getBoundingClientRect();
    } else {
      let up = element;
      while (up && up !== slide && getComputedStyle(up).display.startsWith('inline')) {
        up = up.parentElement;
      }
      if (up) box = up.getBoundingClientRect();
    }
    // (an italic's last letter may lean a little out; a line stands taller than a tight
    // line-height, so upright only an SVG text's middle must be inside its shape)
    const lean = Math.max(2, 0.2 * t.size);
    const across = box && (t.left < box.left - lean || t.right > box.right + lean);
    const middle = (t.top + t.bottom) / 2;
    const down = box && svgText && (middle < box.top || middle > box.bottom);
    if (across || down) {
      overflowing.push(t.text);
    }
  }
  return {count: texts.length, small: small, outside: outside, overlaps: overlaps,
          overflowing: overflowing};
}
""".replace("%SMALLEST%", str(SMALLEST))


def _by_length(items, label="label"):
    return sorted(items, key=lambda item: (-len(t(item[label])), str(item["key"])))


def longest_headlines(questionnaire, summary, limit=4, minimum=1):
    """The longest key findings the questionnaire's wording can give, in the page's language:
    each eligible question with its longest answers leading (realistic figures from the
    snapshot, moved onto the longest labels), the longest four groups kept."""
    groups = []
    for question in questionnaire["questions"]:
        # (a public summary may withhold a few skippers' answered count: None)
        if question.get("suppressed") or (question["answered"] or 0) < max(1, minimum):
            continue
        if question["key"] in ("country", "region") or question["type"] in ("country", "region"):
            continue
        kind = question["type"]
        if kind in ("single_choice", "yes_no", "multiple_choice"):
            options = [o for o in question["options"] if o.get("share") is not None]
            if options:
                groups.append(
                    [headlines.choice_headline(question, _by_length(options)[0], summary)]
                )
        elif kind == "matrix" and question["ordinal"]:
            rows = [r for r in question["rows"] if r.get("mean") is not None]
            if len(rows) >= 2:
                made = copy.deepcopy(question)
                longest = _by_length([r for r in made["rows"] if r.get("mean") is not None])
                means = sorted(r["mean"] for r in longest)
                for row in longest:
                    row["mean"] = means[1] if len(means) > 2 else means[0]
                longest[0]["mean"], longest[1]["mean"] = means[-1], means[0]
                groups.append(headlines.matrix_headlines(made))
        elif kind == "ranking" and any(o.get("borda") for o in question["options"]):
            made = copy.deepcopy(question)
            top = _by_length([o for o in made["options"] if o.get("borda") is not None])[0]
            top["first"] = max(o.get("first") or 0 for o in made["options"]) + 1
            top["share_first"] = top["first"] / (top.get("base") or made["answered"])
            top["borda"] = max(o.get("borda") or 0 for o in made["options"]) + 1
            groups.append(headlines.ranking_headlines(made))
    groups.sort(key=lambda group: -sum(len(h.sentence) + len(h.question) for h in group))
    return groups[:limit]


WORDS = [
    "Rejoignez",
    "la",
    "campagne",
    "des",
    "villes",
    "et",
    "territoires",
    "des",
    "droits",
    "humains",
    "avec",
    "vos",
    "partenaires",
    "locaux,",
    "régionaux",
    "et",
    "internationaux,",
    "et",
    "faites",
    "connaître",
    "vos",
    "engagements",
    "concrets",
]


def longest_closing(app) -> None:
    """Save the longest closing slide staff can set in each language: for each number of
    points, the points grown word by word for as long as the closing form accepts them; the
    longest text kept."""
    with app.test_request_context("/"):
        title, text = {}, {}
        heading = "Prochaines étapes vers le Congrès mondial de CGLU à Daejeon, octobre 2022"
        for language in LANGUAGES:
            longest = ""
            for count in range(1, 7):
                points = [[f"Étape {n} :", WORDS[n]] for n in range(count)]
                fitted = ""
                for step in range(400):
                    typed = "\n".join(" ".join(point) for point in points)
                    if not deck_views._closing_fits(language, heading, typed):
                        break
                    fitted = typed
                    points[step % count].append(WORDS[step % len(WORDS)])
                if len(fitted) > len(longest):
                    longest = fitted
            assert len(longest) > 300, longest
            title[language], text[language] = heading, longest
    with app.app_context(), writing():
        save_closing(db.session, 1, title, text, "analyst@example.org")
        db.commit()


def long_quotes(session, frozen):
    """The deck's quotes replaced by long ones in three scripts (French, Chinese, Arabic), each
    longer than a slide, from three regions."""
    regions = ("europe", "asia_pacific", "mewa")
    return [
        {"text": text, "language": language, "region": region, "source": "answer"}
        for (language, text), region in zip(LONG_QUOTES, regions, strict=True)
    ]


@pytest.fixture(params=["demo", "longest"])
def headline_data(request, monkeypatch, outcomes_app):  # noqa: F811
    """The demo's own headlines, or the longest the questionnaires can give (and the longest
    closing slide the closing form accepts, and long quotes in three scripts)."""
    if request.param == "longest":
        monkeypatch.setattr(presenting, "questionnaire_headlines", longest_headlines)
        monkeypatch.setattr(operations, "frozen_deck_quotes", long_quotes)
        longest_closing(outcomes_app)
    return request.param


#: The two screens, checked in one test per language and data set (one app to set up).
SIZES = ((1280, 720), (1920, 1080))


#: The row labels of the current slide's heat map (each text at the left edge, lines joined).
ROW_LABELS = """
() => Array.from(document.querySelectorAll('.slide.current svg.chart-heat text[x="0"]'))
  .map(t => Array.from(t.querySelectorAll('tspan')).map(s => s.textContent).join(' ').trim())
"""


def article_titles(language: str) -> list[str]:
    """The heat map's row labels as they must read on a slide: each article's numbered short
    title, whole."""
    charter = load_charter(Path(__file__).resolve().parents[2] / "questionnaires")
    return [f"{a.roman}. {a.short_title[language]}" for a in charter.articles]


def slide_problems(page, width, height, shots="", language="en"):
    """Walk every slide of the deck open in ``page``: the problems found on each (text under
    18 px at 1280x720, outside the slide, overlapping another, overflowing its box); a
    screenshot of each slide at 1280x720 named after ``shots`` when given."""
    problems = []
    total = page.locator(".slide").count()
    for index in range(total):
        assert page.locator(".slide.current").get_attribute("id") == f"slide-{index + 1}"
        found = page.evaluate(MEASURE)
        assert found["count"] > 0
        where = (f"{width}x{height}", index + 1)
        if (width, height) == (1280, 720):
            # the smallest size is checked where it is hardest to meet
            if found["small"]:
                problems.append((*where, "under 18 px", found["small"][:5]))
            if shots:
                screenshot(page, f"{shots}-slide-{index + 1}", full_page=False)
        for kind in ("outside", "overlaps", "overflowing"):
            if found[kind]:
                problems.append((*where, kind, found[kind][:5]))
        if page.locator(".slide.current[data-slide=articles] svg.chart-heat").count():
            # every article named whole by its short title, none cut with an ellipsis
            labels = page.evaluate(ROW_LABELS)
            if labels != article_titles(language):
                problems.append((*where, "article titles cut", labels))
        page.keyboard.press("ArrowRight")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_slide_is_legible(
    outcomes_app,  # noqa: F811
    serve,
    new_context,
    language,
    headline_data,
):
    server = serve(outcomes_app)
    problems = []
    for width, height in SIZES:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
        page.goto(f"{server.url}/staff/outcomes/1/deck?lang={language}")
        total = page.locator(".slide").count()
        # every key finding is on a findings slide, whole, once
        assert page.locator(".slide-findings .finding").count() == 8
        quotes = page.locator(".slide-quotes").count()
        assert total == 6 + page.locator(".slide-findings").count() + quotes
        # long quotes go on over several slides, whole
        assert quotes >= (4 if headline_data == "longest" else 1)
        shots = f"deck-720p-{language}-{headline_data}" if language != "en" else ""
        problems += slide_problems(page, width, height, shots, language)
        page.close()
    assert problems == [], "\n".join(map(str, problems))


def test_every_slide_is_legible_when_most_figures_are_withheld(app, staff, serve, new_context):
    """Thirty responses: the region tiles, most counts and charts withheld ("not shown" where a
    figure would be); every slide in the three languages and on both screens (one set-up)."""
    published_demo(app, staff, 30)
    server = serve(app)
    problems = []
    for width, height in SIZES:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        sign_in(page, server.url, app.config["OUTCOMES_ADMIN"])
        for language in LANGUAGES:
            page.goto(f"{server.url}/staff/outcomes/1/deck?lang={language}")
            # the small data set withholds the map's counts: the walk sees "not shown" tiles
            tiles = page.locator("[data-slide=participation] g.tile")
            assert tiles.count() == 7
            words = " ".join(tiles.first.locator("tspan").all_text_contents())
            assert NOT_SHOWN[language] in words
            shots = f"deck-720p-{language}-small" if language != "en" else ""
            problems += slide_problems(page, width, height, shots, language)
        page.close()
    assert problems == [], "\n".join(map(str, problems))


#: The longest filter a snapshot's labels can carry: a questionnaire, a region, both dates and
#: answers to closed questions (a single and a multiple choice), each named in words.
LONG_FILTER = SummaryFilter(
    questionnaire="local-governments",
    region="europe",
    submitted_from=date(2020, 1, 1),
    submitted_to=date(2099, 12, 31),
    answers=(
        AnswerCondition("barriers", "insufficient_funding", "local-governments"),
        AnswerCondition("charter_2011_adopted", "yes", "local-governments"),
    ),
)


def test_every_slide_of_a_filtered_snapshot_is_legible(outcomes_app, serve, new_context):  # noqa: F811
    """The deck of a snapshot frozen from a filtered view (its title, methodology and notes
    say which part it covers): the same walk, in each language (one set-up for the three)."""
    email = outcomes_app.config["OUTCOMES_ADMIN"]
    # The filtered group is small: under the group disclosure rule (2 x the threshold) every
    # table of it is withheld and its findings slides are empty. This walk is of findings
    # written for a filtered view, so the rule is off here (it has its own tests:
    # tests/outcomes/test_group_disclosure*.py).
    outcomes_app.config["GROUP_DISCLOSURE_LIMIT"] = 0
    with outcomes_app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == email))
        sources = data.SummarySources(
            current_questionnaires(), Path(outcomes_app.config["QUESTIONNAIRES_PATH"])
        )
        filtered = operations.freeze(
            db.session,
            sources,
            label="Working session, 23 February 2022 (Europe, local governments)",
            timezone="Europe/Paris",
            actor=admin,
            filters=LONG_FILTER,
        ).id
        db.commit()
    server = serve(outcomes_app)
    problems = []
    for width, height in SIZES:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        sign_in(page, server.url, email)
        for language in LANGUAGES:
            page.goto(f"{server.url}/staff/outcomes/{filtered}/deck?lang={language}")
            shots = f"deck-720p-{language}-filtered" if language != "en" else ""
            problems += slide_problems(page, width, height, shots, language)
        page.close()
    assert problems == [], "\n".join(map(str, problems))
    # Its findings never restate the filter ("100% answered Yes" of those kept for Yes).
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    sign_in(page, server.url, email)
    page.goto(f"{server.url}/staff/outcomes/{filtered}/deck?lang=en")
    asked = " ".join(page.locator(".slide-findings .finding").all_inner_texts())
    assert asked and "formally adopted the Global Charter-Agenda" not in asked
    assert "main obstacles" not in asked


@pytest.mark.parametrize("language", LANGUAGES)
def test_deck_and_presenter_view_pass_axe(outcomes_app, serve, new_context, language):  # noqa: F811
    server = serve(outcomes_app)
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    page.goto(f"{server.url}/staff/outcomes/1/deck?lang={language}")
    assert serious_accessibility_violations(page) == []
    page.goto(f"{server.url}/staff/outcomes/1/deck/presenter?lang={language}")
    page.wait_for_function(
        "document.querySelector('[data-presenter=clock]').textContent !== '--:--'"
    )
    assert serious_accessibility_violations(page) == []


def test_the_presenter_view_moves_the_audience_window(outcomes_app, serve, new_context):  # noqa: F811
    server = serve(outcomes_app)
    context = new_context(viewport={"width": 1440, "height": 900})
    presenter = context.new_page()
    sign_in(presenter, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
    presenter.goto(f"{server.url}/staff/outcomes/1/deck/presenter?lang=es")
    audience = context.new_page()
    audience.goto(f"{server.url}/staff/outcomes/1/deck?lang=es")
    clock = presenter.locator("[data-presenter=clock]")
    presenter.wait_for_function(
        "document.querySelector('[data-presenter=clock]').textContent !== '--:--'"
    )
    first = clock.inner_text()
    # current slide, next slide, the notes of the current slide only, and a clock that ticks
    assert presenter.locator(".notes-slide:not([hidden])").count() == 1
    assert presenter.locator("#notes-1").is_visible()
    presenter.keyboard.press("ArrowRight")
    presenter.keyboard.press("ArrowRight")
    assert (
        presenter.locator("#notes-3").is_visible()
        and not presenter.locator("#notes-1").is_visible()
    )
    current = presenter.frame_locator("[data-presenter=current]")
    following = presenter.frame_locator("[data-presenter=following]")
    current.locator("#slide-3.current").wait_for()
    following.locator("#slide-4.current").wait_for()
    # the audience window follows the presenter
    audience.wait_for_function("document.querySelector('.slide.current').id === 'slide-3'")
    # and the presenter follows the audience window
    audience.keyboard.press("ArrowRight")
    presenter.wait_for_function("!document.getElementById('notes-4').hidden")
    presenter.wait_for_timeout(1100)
    assert clock.inner_text() != first
    assert presenter.locator("[data-presenter=elapsed]").inner_text().startswith("00:0")
    presenter.keyboard.press("End")
    assert presenter.locator("[data-presenter=end]").is_visible()
    screenshot(presenter, "deck-presenter-es", full_page=False)


#: Where each control of the deck's bar sits, and whether the page scrolled under it.
BAR = """
() => {
  const controls = [...document.querySelectorAll('.deck-bar a, .deck-bar button')]
    .filter((c) => c.offsetParent !== null);
  const slide = document.querySelector('.slide.current').getBoundingClientRect();
  return {
    scrolled: document.scrollingElement.scrollTop,
    outside: controls.filter((c) => {
      const box = c.getBoundingClientRect();
      return box.top < 0 || box.bottom > innerHeight || box.left < 0 || box.right > innerWidth;
    }).map((c) => c.textContent.trim()),
    slide: [slide.top, slide.bottom, slide.width],
    bar: document.querySelector('.deck-bar').getBoundingClientRect().height,
  };
}
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_control_of_the_deck_bar_stays_in_view(outcomes_app, serve, new_context, language):  # noqa: F811
    """French and Spanish labels are longer: the bar wrapped to two rows, the page assumed one
    and scrolled its links off the top of a 1280x720 screen (the way back, the downloads and
    the language switch could no longer be reached). Its focus ring shows on its dark ground."""
    server = serve(outcomes_app)
    for width, height in SIZES:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        sign_in(page, server.url, outcomes_app.config["OUTCOMES_ADMIN"])
        page.goto(f"{server.url}/staff/outcomes/1/deck?lang={language}#slide-3")
        page.locator("#slide-3.current").wait_for()
        if (width, height) == (1280, 720):
            screenshot(page, f"deck-bar-{language}", full_page=False)
        found = page.evaluate(BAR)
        assert found["scrolled"] == 0 and found["outside"] == [], found
        top, bottom, slide_width = found["slide"]
        assert top >= found["bar"] - 1 and bottom <= height + 1, found
        # the slides stay as large as one row of controls leaves them
        assert slide_width >= min(width, (height - 56) * 16 / 9) - 2, found
        link = page.locator(".deck-bar a").first
        link.focus()
        outline = link.evaluate("(a) => getComputedStyle(a).outlineColor")
        assert outline in ("rgb(255, 255, 255)", "#fff"), outline
        page.close()
