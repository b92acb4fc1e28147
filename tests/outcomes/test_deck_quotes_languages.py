"""The quotes fall on the same slides in every language of the deck (deck_quotes.Wording): a
language whose source lines or room are longer never pushes a quote onto one more slide."""

from __future__ import annotations

from consult.outcomes import deck_fit, deck_quotes
from consult.outcomes.deck_quotes import Quote, Wording

ROOM = deck_fit.findings_room("", "In their words (continued)", "Data as of 1 March 2022")
TEXT = " ".join(["A city where every resident has a say in the budget."] * 3)
SHORT = "Europe"
LONG = " · ".join(["Asociaciones nacionales de gobiernos locales y regionales"] * 4)


def _part(source: str, part: int, parts: int) -> str:
    return f"{source} · part {part} of {parts}"


def _layout(slides):
    return [[(p.number, p.part, p.parts, p.text) for p in slide.parts] for slide in slides]


def _fits(slides, sources, room):
    for slide in slides:
        heights = [
            deck_fit.quote_height(
                p.text,
                sources[p.number - 1] if p.parts == 1 else _part(sources[p.number - 1], 9, 9),
            )
            for p in slide.parts
        ]
        if deck_fit.stack_height(heights) > room:
            return False
    return True


def test_the_quotes_fall_on_the_same_slides_in_every_language():
    count = 3
    short = [Quote(TEXT, "en", SHORT)] * count
    long = [Quote(TEXT, "en", LONG)] * count
    # alone, each language lays the quotes out differently
    alone_short = deck_quotes.quote_slides(short, ROOM, _part)
    alone_long = deck_quotes.quote_slides(long, ROOM, _part)
    assert len(alone_short) < len(alone_long)
    wording = {
        "short": Wording([SHORT] * count, [_part(SHORT, 9, 9)] * count, ROOM),
        "long": Wording([LONG] * count, [_part(LONG, 9, 9)] * count, ROOM),
    }
    in_short = deck_quotes.quote_slides(short, ROOM, _part, [wording["long"]])
    in_long = deck_quotes.quote_slides(long, ROOM, _part, [wording["short"]])
    assert [s.key for s in in_short] == [s.key for s in in_long]
    assert _layout(in_short) == _layout(in_long)
    assert _fits(in_short, [SHORT] * count, ROOM)
    assert _fits(in_long, [LONG] * count, ROOM)
