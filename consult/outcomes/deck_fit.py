"""How much a slide holds: text measured with the deck's font, in em of the slide.

A slide is 64 em wide and 36 em high whatever the screen (its font size is 1/64 of its width),
so what fits at 1280x720 fits at 1920x1080 and on a printed page. The key findings of a
questionnaire are shared out between as many slides as they need ("continued"), each finding
whole: text is never made smaller than the deck's size and no sentence is cut. The HTML deck,
its PDF (printed from it) and its PPTX (read from it, and laid out with the same measures)
therefore carry the same slides.

Text is measured with the deck's font (Noto Sans: the first of the deck's font stack that
Debian's fontconfig gives, and wider than the Calibri or Arial a PowerPoint falls back to), and
each character Noto Sans lacks (Arabic, CJK, Hebrew, Devanagari...) with the widest of the
fonts the browser may fall back to for it; without the fonts, with a generous average glyph
width (a full em for a script no font covers). Line breaks are taken only at spaces (never at
hyphens or no-break spaces) and at the text's own line breaks, so the estimate errs on the side
of more lines.

The layout constants mirror the "findings" block of static/css/consult.css: keep them in step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: The slide, in em of its own font size.
SLIDE_WIDTH = 64.0
SLIDE_HEIGHT = 36.0
#: Padding of a slide's content (top, right, bottom, left).
PADDING = (2.2, 3.0, 1.6, 3.0)
#: Line height of running text on a slide (inherited from the page).
LINE = 1.55
#: The kicker line above the title: upper case, spaced letters.
KICKER_SPACING = 0.08
KICKER_GAP = 0.4
#: The slide's title (h2).
TITLE_SIZE = 1.9
TITLE_LINE = 1.15
TITLE_GAP = 0.5
#: The footer: its padding above.
FOOT_GAP = 0.8
#: The findings grid: columns, gaps, and each finding's left rule and padding.
COLUMNS = 2
COLUMN_GAP = 1.6
ROW_GAP = 0.8
FINDING_INDENT = 0.35 + 0.9
FINDING_PADDING = 0.2 + 0.2
#: A figure (large), a sentence, the question and the base, with their line heights.
FIGURE_SIZE = 1.45
FIGURE_LINE = 1.15
TEXT_LINE = 1.25
SENTENCE_GAP = 0.15
BASE_GAP = 0.1
#: Widths are measured this much wider than the font says (rounding, kerning, hinting, fonts
#: a little wider than Noto Sans).
SAFETY = 1.06
#: Without the font: average glyph width of running text, in em (Noto Sans averages ~0.55).
AVERAGE_GLYPH = 0.62

_FONTS = Path("/usr/share/fonts/truetype/noto")


@cache
def _font(bold: bool):
    """Noto Sans at 1000 units per em, or None when it is not installed."""
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with python-pptx
        return None
    path = _FONTS / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")
    try:
        return ImageFont.truetype(str(path), size=1000)
    except OSError:
        return None


#: The fonts fontconfig may give the browser for a character Noto Sans lacks (fonts-noto-core,
#: fonts-noto-cjk, fonts-dejavu-core): a run of such characters is as wide as the widest of
#: those that have them all.
_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    f"{_FONTS}/NotoSansArabic-Regular.ttf",
    f"{_FONTS}/NotoNaskhArabic-Regular.ttf",
    f"{_FONTS}/NotoSansHebrew-Regular.ttf",
    f"{_FONTS}/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
#: Width of a character no font covers, in em (a CJK ideograph's).
UNKNOWN_GLYPH = 1.0


@cache
def _coverage(path: str) -> frozenset[int]:
    """The code points a font file has glyphs for (empty when it is not installed)."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools comes with weasyprint
        return frozenset()
    try:
        font = TTFont(path, fontNumber=0, lazy=True)
    except OSError:
        return frozenset()
    cmap = font.getBestCmap() or {}
    font.close()
    return frozenset(cmap)


@cache
def _fallbacks() -> tuple[tuple[object, frozenset[int]], ...]:
    """The fallback fonts installed, at 1000 units per em, with what each covers."""
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover
        return ()
    found = []
    for path in _FALLBACK_FONTS:
        covered = _coverage(path)
        if covered:
            found.append((ImageFont.truetype(path, size=1000), covered))
    return tuple(found)


def _runs(text: str, covered: frozenset[int]) -> list[tuple[str, tuple[int, ...] | None]]:
    """Split text into runs: (run, None) for the deck's font, (run, fallback indexes) else."""
    runs: list[tuple[str, tuple[int, ...] | None]] = []
    fallbacks = _fallbacks()
    for char in text:
        if ord(char) in covered:
            key = None
        else:
            key = tuple(i for i, (_f, has) in enumerate(fallbacks) if ord(char) in has)
        if runs and runs[-1][1] == key:
            runs[-1] = (runs[-1][0] + char, key)
        else:
            runs.append((char, key))
    return runs


@cache
def text_width(text: str, bold: bool = False) -> float:
    """Width of ``text`` at 1 em, in em (with the safety margin), in any script."""
    font = _font(bold)
    if font is None:
        return len(text) * AVERAGE_GLYPH * (1.08 if bold else 1.0) * SAFETY
    path = _FONTS / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")
    covered = _coverage(str(path))
    if not covered or all(ord(char) in covered for char in text):
        return font.getlength(text) / 1000 * SAFETY
    fallbacks = _fallbacks()
    width = 0.0
    for run, key in _runs(text, covered):
        if key is None:
            width += font.getlength(run) / 1000
        elif key:
            # Fallback fonts in bold are synthesised or a little wider: 5 % more.
            widest = max(fallbacks[i][0].getlength(run) for i in key) / 1000
            width += widest * (1.05 if bold else 1.0)
        else:
            width += len(run) * UNKNOWN_GLYPH
    return width * SAFETY


def line_count(
    text: str,
    width: float,
    size: float = 1.0,
    *,
    bold: bool = False,
    upper: bool = False,
    spacing: float = 0.0,
) -> int:
    """How many lines ``text`` takes in a box ``width`` em wide at ``size`` em (greedy wrap)."""
    if upper:
        text = text.upper()
    if "\n" in text:
        # The text's own line breaks (white-space: pre-wrap): each line wraps on its own, and
        # an empty line still takes a line.
        return sum(
            max(1, line_count(line, width, size, bold=bold, spacing=spacing))
            for line in text.split("\n")
        )
    words = text.split(" ")
    if not text.strip():
        return 0

    def measure(part: str) -> float:
        return (text_width(part, bold) + spacing * len(part)) * size

    space = measure(" ")
    lines, used = 1, 0.0
    for word in words:
        if not word:
            continue
        length = measure(word)
        if length > width:
            # A word longer than the line breaks anywhere (overflow-wrap: anywhere).
            lines += (0 if used == 0 else 1) + int(length // width)
            used = length % width
            continue
        needed = length if used == 0 else used + space + length
        if needed <= width:
            used = needed
        else:
            lines += 1
            used = length
    return lines


@dataclass(frozen=True)
class FindingText:
    """What one key finding shows: (figure, sentence) pairs, its question and its base(s)."""

    statements: Sequence[tuple[str, str]]
    question: str
    bases: Sequence[str]


def column_width(columns: int = COLUMNS) -> float:
    """Width of a findings column's text, in em."""
    content = SLIDE_WIDTH - PADDING[1] - PADDING[3]
    return (content - COLUMN_GAP * (columns - 1)) / columns - FINDING_INDENT


def finding_height(finding: FindingText, width: float) -> float:
    """Height of one key finding in a column ``width`` em wide."""
    height = FINDING_PADDING
    for figure, sentence in finding.statements:
        height += line_count(figure, width, FIGURE_SIZE, bold=True) * FIGURE_SIZE * FIGURE_LINE
        height += line_count(sentence, width) * TEXT_LINE + SENTENCE_GAP
    height += line_count(finding.question, width) * TEXT_LINE
    for base in finding.bases:
        height += line_count(base, width, bold=True) * TEXT_LINE
    return height + BASE_GAP


def findings_room(kicker: str, title: str, foot: str) -> float:
    """Height left for the findings grid on a slide with this kicker, title and footer."""
    width = SLIDE_WIDTH - PADDING[1] - PADDING[3]
    used = PADDING[0] + PADDING[2]
    if kicker:
        kicker_lines = line_count(kicker, width, bold=True, upper=True, spacing=KICKER_SPACING)
        used += kicker_lines * LINE + KICKER_GAP
    used += line_count(title, width, TITLE_SIZE, bold=True) * TITLE_SIZE * TITLE_LINE + TITLE_GAP
    if foot:
        used += FOOT_GAP + line_count(foot, width) * LINE
    return SLIDE_HEIGHT - used


def grid_height(heights: Sequence[float], columns: int = COLUMNS) -> float:
    """Height of a grid of findings laid out row by row in ``columns`` columns."""
    rows = [max(heights[i : i + columns]) for i in range(0, len(heights), columns)]
    return sum(rows) + ROW_GAP * max(0, len(rows) - 1)


@dataclass(frozen=True)
class Page:
    """The findings one slide carries (indexes into the questionnaire's findings), and its
    number of columns (1 only for a finding too long for half a slide)."""

    indexes: tuple[int, ...]
    columns: int = COLUMNS


def share_out(findings: Sequence[FindingText], room: float) -> list[Page]:
    """Share findings out between slides, in order and whole, so that each slide's grid fits
    ``room`` em; slides as even as the text allows (two of two rather than three and one)."""
    return share_out_all([(findings, room)])


def share_out_all(versions: Sequence[tuple[Sequence[FindingText], float]]) -> list[Page]:
    """Share out the same findings written in several languages (each version: its texts and
    its slide's room) so that every slide fits in every language: one split for all, so the
    deck has the same slides, in the same order, with the same findings, whatever its language.

    Each version holds the same findings in the same order; a page fits when its grid fits in
    every version; a single finding too tall for half a slide in any version takes the whole
    width (in every version)."""
    count_of = {len(texts) for texts, _room in versions}
    if len(count_of) != 1:
        raise ValueError("every language must carry the same findings")
    total = count_of.pop()
    if not total:
        return [Page(())]
    halves = [
        ([finding_height(f, column_width()) for f in texts], room) for texts, room in versions
    ]

    def fits(indexes: Sequence[int]) -> bool:
        return all(grid_height([half[i] for i in indexes]) <= room for half, room in halves)

    pages: list[list[int]] = []
    for index in range(total):
        if pages and fits([*pages[-1], index]):
            pages[-1].append(index)
        else:
            pages.append([index])
    # Even out: the same number of slides, the findings spread as evenly as they fit.
    count = len(pages)
    if count > 1:
        per_page = -(-total // count)
        even = [list(range(i, min(i + per_page, total))) for i in range(0, total, per_page)]
        if len(even) == count and all(fits(p) for p in even):
            pages = even
    result = []
    for page in pages:
        # A single finding taller than the slide in half its width takes the whole width.
        wide = len(page) == 1 and any(half[page[0]] > room for half, room in halves)
        result.append(Page(tuple(page), 1 if wide else COLUMNS))
    return result


def findings_top(kicker: str, title: str) -> float:
    """Where the findings grid starts, from the top of the slide, in em."""
    width = SLIDE_WIDTH - PADDING[1] - PADDING[3]
    top = PADDING[0]
    if kicker:
        kicker_lines = line_count(kicker, width, bold=True, upper=True, spacing=KICKER_SPACING)
        top += kicker_lines * LINE + KICKER_GAP
    return (
        top + line_count(title, width, TITLE_SIZE, bold=True) * TITLE_SIZE * TITLE_LINE + TITLE_GAP
    )


def grid_places(
    findings: Sequence[FindingText], columns: int = COLUMNS
) -> list[tuple[float, float, float]]:
    """Where each finding of a slide's grid goes: (left, top, height) in em from the grid's
    top-left corner, row by row as the browser lays the grid out."""
    width = column_width(columns)
    heights = [finding_height(f, width) for f in findings]
    step = width + FINDING_INDENT + COLUMN_GAP
    places, top = [], 0.0
    for start in range(0, len(findings), columns):
        row = heights[start : start + columns]
        for offset, height in enumerate(row):
            places.append((offset * step, top, height))
        top += max(row) + ROW_GAP
    return places


#: The closing slide's points (.next-steps): their size, the gap between them, their indent.
POINT_SIZE = 1.3
POINT_GAP = 0.9 * POINT_SIZE
POINT_INDENT = 1.3 * POINT_SIZE


def closing_fits(title: str, points: Sequence[tuple[str, str]], foot: str) -> bool:
    """Whether a closing slide's title and points (lead, rest) fit the slide at the deck's
    sizes (the lead on a line of its own, as the slide shows it)."""
    width = SLIDE_WIDTH - PADDING[1] - PADDING[3]
    used = PADDING[0] + PADDING[2] + TITLE_GAP
    used += line_count(title, width, TITLE_SIZE, bold=True) * TITLE_SIZE * TITLE_LINE
    used += FOOT_GAP + line_count(foot, width) * LINE
    text_width = width - POINT_INDENT
    for lead, rest in points:
        lines = line_count(lead, text_width, POINT_SIZE, bold=True)
        lines += line_count(rest, text_width, POINT_SIZE)
        used += lines * POINT_SIZE * LINE
    used += POINT_GAP * max(0, len(points) - 1)
    return used <= SLIDE_HEIGHT


#: The quotes slide (.slide-quotes): a quote's size and line height, the rule and padding on its
#: left (in em of the quote), the source line under it and its indent, the gap between quotes.
QUOTE_SIZE = 1.35
QUOTE_LINE = 1.35
QUOTE_INDENT = (0.25 + 0.8) * QUOTE_SIZE
SOURCE_GAP = 0.2
SOURCE_INDENT = 1.1
QUOTE_GAP = 1.1


def quote_width() -> float:
    """Width of a quote's text on the quotes slide, in em."""
    return SLIDE_WIDTH - PADDING[1] - PADDING[3] - QUOTE_INDENT


def source_width() -> float:
    """Width of the source line under a quote, in em."""
    return SLIDE_WIDTH - PADDING[1] - PADDING[3] - SOURCE_INDENT


def quote_height(text: str, source: str) -> float:
    """Height of one quote (as shown, quote marks included) and its source line, in em."""
    lines = line_count(text, quote_width(), QUOTE_SIZE)
    height = lines * QUOTE_SIZE * QUOTE_LINE
    if source:
        height += SOURCE_GAP + line_count(source, source_width()) * LINE
    return height


def stack_height(heights: Sequence[float]) -> float:
    """Height of quotes stacked one under the other (the quotes list)."""
    return sum(heights) + QUOTE_GAP * max(0, len(heights) - 1)
