"""Contributors' text: stored verbatim, shown as escaped paragraphs with bare http(s) links.

Rendering escapes first and builds the only markup itself (<p>, <br>, <a>), so nothing a
contributor types can become HTML. Only http and https addresses become links: `javascript:`,
`data:` and every other scheme stay plain text. A link never holds a bidi control or a
zero-width character (DISGUISING): the address shown is the address followed.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: Invisible characters that can disguise where a link goes: bidi embeddings, overrides,
#: isolates and marks (U+202E turns "moc.evil" into "live.com" on screen), zero-width spaces
#: and joiners, the word joiner and invisible operators, the Arabic letter mark, the BOM, and
#: the soft hyphen. A link never contains one: the address stops there, and what follows is
#: plain text.
DISGUISING = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
#: A bare web address; it stops at whitespace, at a disguising character and at characters that
#: cannot end a link in prose.
_URL = re.compile(rf"""\bhttps?://[^\s<>"'`{DISGUISING}]+""", re.IGNORECASE)
#: Punctuation that usually closes the sentence rather than the address.
_TRAILING = ".,;:!?'\""
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
LINK_REL = "nofollow ugc noopener"


def _split_url(candidate: str) -> tuple[str, str]:
    """Split trailing punctuation (and an unbalanced closing parenthesis) off an address."""
    tail = ""
    while candidate:
        last = candidate[-1]
        if last in _TRAILING or (last == ")" and candidate.count("(") < candidate.count(")")):
            tail = last + tail
            candidate = candidate[:-1]
        else:
            break
    return candidate, tail


def _linkify_line(line: str) -> Markup:
    """Escape one line, turning its bare http(s) addresses into links."""
    pieces: list[Markup] = []
    position = 0
    for match in _URL.finditer(line):
        address, tail = _split_url(match.group(0))
        if "://" not in address or address.endswith("://"):
            continue
        pieces.append(escape(line[position : match.start()]))
        pieces.append(Markup('<a href="{0}" rel="{1}">{2}</a>').format(address, LINK_REL, address))
        pieces.append(escape(tail))
        position = match.end()
    pieces.append(escape(line[position:]))
    return Markup("").join(pieces)


def render_plain_text(text: str | None) -> Markup:
    """Render contributor text as paragraphs, line breaks and links; everything else escaped."""
    if not text:
        return Markup("")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(normalised):
        if not block.strip():
            continue
        lines = Markup("<br>\n").join(_linkify_line(line) for line in block.split("\n"))
        paragraphs.append(Markup("<p>{0}</p>").format(lines))
    return Markup("\n").join(paragraphs)


def excerpt(text: str | None, length: int = 280) -> str:
    """Return the start of a text on one line, cut at a word, for lists (escaped by Jinja)."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0]
    return cut + "…"
