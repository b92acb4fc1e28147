"""What every chart shares: its palette, text wrapping and width estimates, the SVG frame that
labels it, the scale of an axis, and the standalone file a download or a slide takes."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 720
#: The width of a chart's phone drawing: about a phone screen's CSS pixels, so that its text
#: prints at about its own size (13 to 15 px) where the wide drawing would print at half.
NARROW = 360
FONT = 14
LINE = 18
BAR = "#0b4f8a"
TRACK = "#e8edf3"
INK = "#1b1f24"
MUTED = "#4a5360"
#: Ordered from the highest score to the lowest, for ordinal scales of 2 to 6 points.
ORDINAL_PALETTES = {
    2: ["#0b4f8a", "#c0392b"],
    3: ["#0b4f8a", "#7aa6d6", "#c0392b"],
    4: ["#0b4f8a", "#5b8fc7", "#f0b86e", "#b3261e"],
    5: ["#0b4f8a", "#5b8fc7", "#c9d9ec", "#f0b86e", "#b3261e"],
    6: ["#073a66", "#0b4f8a", "#5b8fc7", "#c9d9ec", "#f0b86e", "#b3261e"],
}
NOMINAL_PALETTE = ["#0b4f8a", "#2a7f62", "#8a5a0b", "#6b3fa0", "#b3261e", "#236a8c", "#5d6b1f"]
UNSCORED = "#9aa3ad"
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def text_colour(fill: str) -> str:
    """Return black or white, whichever reads better on ``fill`` (a #rrggbb colour)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return INK if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def wrap(text: str, width_px: float, font: int = FONT, em: float = 0.56) -> list[str]:
    """Split a label into lines that fit ``width_px`` (an estimate: no font metrics here).

    Lines break between words (a no-break space, as before a French colon, holds its words
    together). Only a word wider than a line alone ("Contribuciones" in a narrow column) is
    broken with a hyphen, at a syllable where one fits, and never leaving fewer than
    MIN_PIECE letters on either side ("government-" / "s:" is not a break); a word that has no
    such place stays whole."""
    per_line = max(8, int(width_px / (font * em)))
    lines: list[str] = []
    current = ""
    words = []
    for word in str(text).replace("\n", " ").split(" "):
        if not word.strip():
            continue
        while len(word) > per_line:
            cut = _break_at(word, per_line - 1)
            if cut is None:
                break
            words.append(word[:cut] if word[cut - 1] == "-" else word[:cut] + "-")
            word = word[cut:]
        words.append(word)
    for word in words:
        if current and len(current) + 1 + len(word) > per_line:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]


VOWELS = frozenset("aeiouyáéíóúàèìòùâêîôûäëïöüœæ")
#: Letters a hyphenated word keeps on each side of its break, at least.
MIN_PIECE = 3
#: Consonant pairs that begin a syllable together in English, French and Spanish ("con-tri-
#: bución", "ta-bleau"): a break goes before them, not between them.
ONSETS = frozenset({
    "bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gn", "gr", "ph", "pl", "pr", "qu",
    "sh", "th", "tr", "vr",
})  # fmt: skip


def _letters(piece: str) -> int:
    return sum(c.isalpha() for c in piece)


def _break_at(word: str, room: int) -> int | None:
    """Where to break a word too long for its line, at most ``room`` characters in, leaving at
    least MIN_PIECE letters on each side: after the word's own hyphen ("Asia-Pacific"), else at
    the latest syllable break (before the last consonant between two vowels, or before a pair
    that begins a syllable: "contribu-tions", "govern-ments", "Contribu-ciones"), else at the
    latest place allowed; None when there is none (the word is then left whole)."""
    lower = word.lower()
    allowed = [
        cut
        for cut in range(1, min(room, len(word) - 1) + 1)
        if _letters(word[:cut]) >= MIN_PIECE and _letters(word[cut:]) >= MIN_PIECE
    ]
    if not allowed:
        return None
    for cut in reversed(allowed):
        if word[cut - 1] == "-":
            return cut
    for cut in reversed(allowed):
        before, here, after = lower[cut - 1], lower[cut], lower[cut + 1 : cut + 2]
        if here in VOWELS or not here.isalpha() or not after or after not in VOWELS:
            continue
        if before in VOWELS:
            return cut
        if before.isalpha() and lower[cut - 1 : cut + 1] not in ONSETS:
            return cut
    return allowed[-1]


def _text_width(text: str, font: int = FONT) -> float:
    """A generous estimate of a bold text's width in pixels (wide glyphs counted wide)."""
    return sum(font * (0.62 if ord(c) < 0x1100 else 1.05) for c in text)


def text_lines(lines: Sequence[str], x: float, y: float, **attributes: str) -> str:
    """An SVG text of several lines (tspans), each escaped; attributes named in Python."""
    attrs = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attributes.items()
    )
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" {attrs}>{spans}</text>'


def frame(
    kind: str, title: str, description: str, height: float, body: str, width: float = WIDTH
) -> Markup:
    """Wrap a chart's drawing in its <svg>, labelled by its title and description."""
    title_id, desc_id = _id(f"{kind}-title"), _id(f"{kind}-desc")
    narrow = " chart-narrow" if width <= NARROW else ""
    # Text runs to both edges of a drawing: a glyph that leans past its origin ("J", "j")
    # keeps two units of room either side rather than being clipped.
    view = f"-2 0 {width + 4:.0f}"
    # Safe: every text in ``body`` and here went through escape(); the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg class="chart chart-{kind}{narrow}" role="img" '
        f'viewBox="{view} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>{body}</svg>'
    )


def heat_colour(share: float) -> str:
    """Blend from a pale blue (0) to the brand blue (1)."""
    share = min(1.0, max(0.0, share))
    low, high = (0xEE, 0xF3, 0xF9), (0x0B, 0x4F, 0x8A)
    mixed = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


#: The steps an axis may take, times a power of ten: gridlines at equal, round intervals.
NICE_STEPS = (1, 2, 5)


def axis_ticks(highest: float, integer: bool = True, most: int = 5) -> list[float]:
    """The values of an axis's gridlines from 0 to at least ``highest``: equal steps of 1, 2 or
    5 times a power of ten, at most ``most`` intervals; whole steps when ``integer`` (counts),
    so that every label is exactly the value at its line (never "0, 8, 15, 22, 30").

    The one place an axis is scaled: a chart draws its gridlines at these values, and its
    line or bars against the last of them.
    """
    if highest <= 0:
        return [0, 1] if integer else [0.0, 1.0]
    rough = highest / most
    power = 10 ** math.floor(math.log10(rough))
    step = next(
        (nice * power for nice in (*NICE_STEPS, 10) if nice * power >= rough * (1 - 1e-9)),
        10 * power,
    )
    if integer:
        step = max(1, round(step))
    intervals = math.ceil(highest / step - 1e-9)
    if integer:
        return [step * i for i in range(intervals + 1)]
    # decimal steps written as round as they are (0.1 * 3 is 0.30000000000000004)
    digits = max(0, -math.floor(math.log10(step)))
    return [round(step * i, digits + 1) for i in range(intervals + 1)]


def paired(wide: Markup, narrow: Markup, note: str = "") -> Markup:
    """A chart as a page shows it: its wide drawing, and its phone drawing (another layout,
    the same figures) that the page's style shows instead where the chart's box is narrower
    than the wide drawing (a phone, a column of a grid), so that no text shrinks under 12 px;
    without JavaScript. The one not shown is display: none, out of the accessibility tree.

    ``note`` (what the chart leaves out) is also printed as text under the drawing, legible at
    any width; the page's style hides the drawings' own copy (kept for downloads and slides),
    and its text alternative already says it, so the page's copy is not read out twice.

    The chokepoint of every chart a page shows: standalone_svg takes the wide drawing from it.
    """
    chart = Markup('<div class="chart-pair">{}{}</div>').format(wide, narrow)
    if not note:
        return chart
    return chart + Markup('<p class="chart-note-text" aria-hidden="true">{}</p>').format(note)


def standalone_svg(chart: str) -> str:
    """Return an inline chart as a file of its own: XML declaration, namespace, the viewBox's
    size in pixels and a white background (for a download, a slide or a PNG). Of a chart as a
    page shows it (paired), the wide drawing."""
    # the drawing, not a page's note nor its phone drawing
    chart = chart[chart.index("<svg") : chart.index("</svg>") + len("</svg>")]
    match = re.search(r'viewBox="-?\d+ 0 (\d+) (\d+)"', chart)
    width, height = (match.group(1), match.group(2)) if match else ("720", "400")
    opening_end = chart.index(">") + 1
    opening = (
        chart[:opening_end]
        .replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
        .replace('width="100%"', f'width="{width}" height="{height}"', 1)
    )
    background = '<rect width="100%" height="100%" fill="#ffffff"/>'
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + opening + background + chart[opening_end:]
