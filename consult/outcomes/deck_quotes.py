"""The deck's quotes slides: every chosen quote whole, never cut.

A quote is what a respondent or a contributor said: shortening it can change its meaning. So
the quotes go on the "In their words" slides in the deck's order, as many on a slide as fit at
the deck's size (measured by deck_fit with the fonts of every script), and a quote longer than
a slide goes on over the following slides: it is split between two sentences (between two
words only inside a sentence longer than a whole slide), each break marked with an ellipsis and
its source line saying "part 1 of 2". Nothing is left out, so no excerpt needs the full text
elsewhere; the speaker notes say which quote spans several slides.

The HTML deck, the presenter view, the PDF (printed from the page) and the PPTX (read from it)
all show these slides. No Flask here: the words come in as arguments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from consult.outcomes import deck_fit

#: Where a sentence ends: after full stops, question and exclamation marks and ellipses (Latin,
#: Arabic, Urdu, Devanagari) followed by closing quotes or brackets and a space or line break;
#: after CJK full stops whatever follows; and at a line break.
SENTENCE_END = re.compile(
    r"[.!?…؟۔।]+(?:[ \u00a0\u202f]?[\"'”’»)\]])*(?:\s+|$)"
    r"|[。！？]+[」』”’）\])]*\s*"
    r"|\n+"
)
#: Quote marks around a quote, and the mark where a part continues or goes on.
OPEN, CLOSE, ELLIPSIS = "“", "”", "…"
#: Scripts written right to left (the quote's paragraph direction).
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LTR = re.compile(r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u9fff\uac00-\ud7af]")


def sentences(text: str) -> list[str]:
    """Split ``text`` into its sentences, each with the spaces after it: joined, they give the
    text back exactly."""
    parts, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.end() > start:
            parts.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def _words(text: str) -> list[str]:
    """Split a sentence into words with their spaces; a run without spaces (CJK) into its
    characters, a combining mark kept with its base."""
    tokens: list[str] = []
    for word in re.findall(r"\S+\s*|\s+", text):
        if deck_fit.text_width(word.strip()) * deck_fit.QUOTE_SIZE <= deck_fit.quote_width() / 2:
            tokens.append(word)
            continue
        for char in word:
            if tokens and unicodedata.combining(char):
                tokens[-1] += char
            else:
                tokens.append(char)
    return tokens


def direction(text: str) -> str:
    """The quote's direction: "rtl" when its first strong letter is Arabic or Hebrew."""
    rtl, ltr = _RTL.search(text), _LTR.search(text)
    if rtl and (not ltr or rtl.start() < ltr.start()):
        return "rtl"
    return "ltr"


def _shown(text: str, first: bool, last: bool) -> str:
    """A part as the slide shows it: quote marks at the quote's ends, ellipses at breaks."""
    text = text.strip()
    return (OPEN if first else ELLIPSIS + " ") + text + (CLOSE if last else " " + ELLIPSIS)


def _longest_prefix(tokens: Sequence[str], fits: Callable[[str], bool]) -> int:
    """How many of ``tokens`` fit from the start (at least one: a part is never empty)."""
    low, high = 1, len(tokens)
    while low < high:
        middle = (low + high + 1) // 2
        if fits("".join(tokens[:middle])):
            low = middle
        else:
            high = middle - 1
    return low


def split_quote(text: str, fits: Callable[[str, bool, bool], bool]) -> list[str]:
    """Split a quote into parts that each ``fits(part, first, last)`` a slide: whole sentences,
    as many as fit; a sentence too long for a slide alone, between words. Joined, the parts
    give the text back."""
    if fits(text, True, True):
        return [text]
    pending = sentences(text)
    parts: list[str] = []
    current = ""
    while pending:
        sentence = pending[0]
        first = not parts
        candidate = current + sentence
        last = len(pending) == 1
        if fits(candidate, first, last):
            current = candidate
            pending.pop(0)
            continue
        if current:
            parts.append(current)
            current = ""
            continue
        # One sentence longer than a slide: as many of its words as fit, the rest goes on.
        tokens = _words(sentence)
        count = _longest_prefix(tokens, lambda part, f=first: fits(part, f, False))
        parts.append("".join(tokens[:count]))
        rest = "".join(tokens[count:])
        pending[0] = rest
        if not rest:
            pending.pop(0)
    if current:
        parts.append(current)
    return parts


@dataclass(frozen=True)
class Quote:
    """A quote to show: its text, its language (BCP 47, may be empty) and its source line."""

    text: str
    language: str
    source: str


@dataclass(frozen=True)
class QuotePart:
    """One quote, or one part of a quote that goes on over several slides."""

    #: The text as shown: quote marks at the quote's ends, ellipses where it breaks.
    text: str
    language: str
    direction: str
    #: The source line ("Europe · Municipality"), with "part 1 of 2" for a quote in parts.
    source: str
    #: Which quote (1, 2, 3), which part of it and of how many.
    number: int
    part: int
    parts: int


@dataclass(frozen=True)
class QuoteSlide:
    """One quotes slide ("quotes", then "quotes-2"...) and the quotes or parts it shows."""

    key: str
    parts: tuple[QuotePart, ...]
    #: Which quotes slide, of how many.
    part: int
    slides: int


@dataclass(frozen=True)
class Wording:
    """How another language of the deck words the quotes' source lines, and the room its
    quotes slides leave: the quotes are laid out to fit in every language (one structure)."""

    #: Each quote's source line, and the same with "part 9 of 9" (a quote in parts).
    sources: Sequence[str]
    parted: Sequence[str]
    room: float


def quote_slides(
    quotes: Sequence[Quote],
    room: float,
    part_source: Callable[[str, int, int], str],
    others: Sequence[Wording] = (),
) -> list[QuoteSlide]:
    """Lay the quotes out on as many slides as they need, in order and whole, each slide's
    quotes fitting ``room`` em; ``part_source(source, part, parts)`` writes a part's source line
    ("Europe · part 1 of 2"). ``others``: the deck's other languages, in which every slide
    must fit too, so that the quotes fall on the same slides whatever the deck's language."""
    wordings = [
        Wording([q.source for q in quotes], [part_source(q.source, 9, 9) for q in quotes], room),
        *others,
    ]
    shown: list[QuotePart] = []
    #: Each part's height in every language, as shown.
    heights_of: list[list[float]] = []
    for number, quote in enumerate(quotes, start=1):
        text = re.sub(r"\n\s*\n\s*", "\n\n", quote.text.strip())
        text = re.sub(r"[ \t]+\n", "\n", text)
        at = number - 1

        def fits(part: str, first: bool, last: bool, at: int = at) -> bool:
            return all(
                deck_fit.quote_height(
                    _shown(part, first, last), w.sources[at] if first and last else w.parted[at]
                )
                <= w.room
                for w in wordings
            )

        pieces = split_quote(text, fits)
        for index, piece in enumerate(pieces, start=1):
            source = (
                quote.source if len(pieces) == 1 else part_source(quote.source, index, len(pieces))
            )
            shown_text = _shown(piece, index == 1, index == len(pieces))
            shown.append(
                QuotePart(
                    text=shown_text,
                    language=quote.language,
                    direction=direction(text),
                    source=source,
                    number=number,
                    part=index,
                    parts=len(pieces),
                )
            )
            heights_of.append(
                [
                    deck_fit.quote_height(
                        shown_text, w.sources[at] if len(pieces) == 1 else w.parted[at]
                    )
                    for w in wordings
                ]
            )
    pages: list[list[QuotePart]] = []
    heights: list[list[list[float]]] = []

    def stack_fits(stack: list[list[float]]) -> bool:
        return all(
            deck_fit.stack_height([h[i] for h in stack]) <= w.room for i, w in enumerate(wordings)
        )

    for part, height in zip(shown, heights_of, strict=True):
        if pages and stack_fits([*heights[-1], height]):
            pages[-1].append(part)
            heights[-1].append(height)
        else:
            pages.append([part])
            heights.append([height])
    if not pages:
        pages = [[]]
    return [
        QuoteSlide(
            key="quotes" if index == 1 else f"quotes-{index}",
            parts=tuple(page),
            part=index,
            slides=len(pages),
        )
        for index, page in enumerate(pages, start=1)
    ]
