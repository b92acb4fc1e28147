"""The deck's quotes slides (deck_quotes): every quote whole, in order, split only between
sentences, each slide within its room, in every script."""

from __future__ import annotations

import pytest

from consult.outcomes import deck_fit, deck_quotes
from consult.outcomes.deck_quotes import ELLIPSIS, Quote
from tests.outcomes.quote_texts import ARABIC, CHINESE, FRENCH, LONG_QUOTES, RUN_ON

#: The room of a quotes slide (its title continued and a footer of two lines), in em.
ROOM = deck_fit.findings_room(
    "",
    "Lo que dijeron (continuación)",
    "Datos al 22 de febrero de 2022, 18:00 CET · Respuestas enviadas y contribuciones "
    "publicadas, elegidas por UCLG CISDP.",
)


def part_source(source: str, part: int, parts: int) -> str:
    return f"{source} · part {part} of {parts}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("One sentence without an end", ["One sentence without an end"]),
        ("First. Second! Third? Fourth", ["First. ", "Second! ", "Third? ", "Fourth"]),
        # French spaces before ! and ?, and closing quotes after the full stop
        ("Et voilà ! « Vraiment ? » Oui.", ["Et voilà ! ", "« Vraiment ? » ", "Oui."]),
        ("He said “enough.” Then left.", ["He said “enough.” ", "Then left."]),
        # a decimal point or an abbreviation's dot without a space does not end a sentence
        ("Mean 3.4 of 4. Next", ["Mean 3.4 of 4. ", "Next"]),
        # CJK full stops end a sentence with or without a space after them
        ("住房。权利！真的吗？是的", ["住房。", "权利！", "真的吗？", "是的"]),
        ("「住房。」下一句", ["「住房。」", "下一句"]),
        # Arabic question mark, Devanagari danda, and a line break
        ("هل هذا ممكن؟ نعم", ["هل هذا ممكن؟ ", "نعم"]),
        ("यह सच है। हाँ", ["यह सच है। ", "हाँ"]),
        ("line one\nline two", ["line one\n", "line two"]),
    ],
)
def test_sentences_split_where_a_sentence_ends_and_lose_nothing(text, expected):
    found = deck_quotes.sentences(text)
    assert found == expected
    assert "".join(found) == text


def _raw(part_text: str) -> str:
    """A part's own text: without the quote marks and the ellipses the slide adds."""
    text = part_text
    if text.startswith(deck_quotes.OPEN):
        text = text[len(deck_quotes.OPEN) :]
    elif text.startswith(ELLIPSIS + " "):
        text = text[2:]
    if text.endswith(deck_quotes.CLOSE):
        text = text[: -len(deck_quotes.CLOSE)]
    elif text.endswith(" " + ELLIPSIS):
        text = text[:-2]
    return text


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("quotes", "whole_sentences"),
    [
        # three short quotes share one slide
        ([("en", "Housing first."), ("es", "La vivienda primero."), ("fr", "Le logement.")], True),
        # each long quote of each script goes on over slides, split between sentences
        ([("fr", FRENCH)], True),
        ([("zh", CHINESE)], True),
        ([("ar", ARABIC)], True),
        (list(LONG_QUOTES), True),
        # a short quote after a long one may share the long one's last slide
        ([("fr", FRENCH), ("en", "Housing first.")], True),
        # one sentence longer than a slide: the one case of a break between two words
        ([("fr", RUN_ON)], False),
        # the quote's own line breaks are kept (and measured as lines)
        ([("en", "First line.\n\nSecond paragraph, after a blank line.")], True),
    ],
)
def test_every_quote_is_shown_whole_in_order_and_each_slide_fits(quotes, whole_sentences):
    given = [Quote(text, language, f"Region {n}") for n, (language, text) in enumerate(quotes)]
    slides = deck_quotes.quote_slides(given, ROOM, part_source)
    assert [s.key for s in slides] == ["quotes"] + [
        f"quotes-{n}" for n in range(2, len(slides) + 1)
    ]
    parts = [part for slide in slides for part in slide.parts]
    # in order, each quote's parts numbered 1..n
    assert [p.number for p in parts] == sorted(p.number for p in parts)
    for number, quote in enumerate(given, start=1):
        mine = [p for p in parts if p.number == number]
        assert [p.part for p in mine] == list(range(1, len(mine) + 1))
        assert all(p.parts == len(mine) for p in mine)
        # nothing left out: joined, the parts give the quote back (spaces aside)
        assert _squash("".join(_raw(p.text) for p in mine)) == _squash(quote.text)
        # quote marks at the quote's ends only, an ellipsis at every break
        assert mine[0].text.startswith(deck_quotes.OPEN)
        assert mine[-1].text.endswith(deck_quotes.CLOSE)
        for before, after in zip(mine, mine[1:], strict=False):
            assert before.text.endswith(" " + ELLIPSIS) and after.text.startswith(ELLIPSIS)
            assert before.source == part_source(quote.source, before.part, before.parts)
            if whole_sentences:
                # the break falls where a sentence ends
                ending = _raw(before.text).rstrip()
                assert deck_quotes.sentences(ending + " x")[-1] == "x", ending[-30:]
        if len(mine) == 1:
            assert mine[0].source == quote.source
        assert mine[0].direction == ("rtl" if quote.language == "ar" else "ltr")
    for slide in slides:
        heights = [deck_fit.quote_height(p.text, p.source) for p in slide.parts]
        assert deck_fit.stack_height(heights) <= ROOM
        assert slide.slides == len(slides)


def test_long_quotes_take_several_slides_and_short_ones_one():
    slides = deck_quotes.quote_slides(
        [Quote(text, language, "Europe") for language, text in LONG_QUOTES], ROOM, part_source
    )
    counts = {}
    for part in (p for slide in slides for p in slide.parts):
        counts[part.language] = part.parts
    assert counts["fr"] >= 2 and counts["zh"] >= 2 and counts["ar"] >= 2
    assert deck_quotes.quote_slides([Quote("Short.", "en", "")], ROOM, part_source)[0].parts[
        0
    ].text == ("“Short.”")
    assert deck_quotes.quote_slides([], ROOM, part_source)[0].parts == ()


@pytest.mark.parametrize(
    ("text", "wider_than"),
    [
        # CJK ideographs are a full em wide, not a Latin average
        ("人权城市应当保障住房", 9.0),
        # Arabic is measured with the fonts the browser falls back to, not as missing glyphs
        ("يجب أن يضمن الميثاق الحق في السكن", 0.3 * len("يجب أن يضمن الميثاق الحق في السكن")),
    ],
)
def test_text_in_other_scripts_is_measured_with_their_fonts(text, wider_than):
    assert deck_fit.text_width(text) >= wider_than
