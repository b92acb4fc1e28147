"""Reading the rendered deck page back into slides: each slide's key, title, kicker, footer,
body paragraphs, charts (SVG), key findings and quotes, as the audience sees them.

The PPTX (deck_pptx), the presenter view and the PDF's notes pages are built from what this
reads, so they show the slides of the HTML deck and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html

from consult.outcomes import deck_fit
from consult.outcomes.formatting import labelled

_SECTION = re.compile(r'<section class="slide[^"]*"[^>]*>.*?</section>', re.DOTALL)
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
#: Runs of breaking white space (the HTML's indentation and line breaks); the no-break spaces
#: of French typography and of numbers ("31\u00a0%", "Europe\u00a0: 12") stay in the PPTX.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
#: What an Office file cannot hold (XML 1.0 forbids it, escaped or not): C0 controls other
#: than tab and line break, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def office_text(text: str) -> str:
    """``text`` without the characters a PPTX part cannot hold (PowerPoint refuses the file)."""
    return _NOT_XML.sub("", text)


@dataclass
class Paragraph:
    """A line of a slide's body: its text, whether it leads (bold), its list level."""

    text: str
    is_lead: bool = False
    level: int = 0
    #: The bold start of a point ("Lead rest"): only it is set in bold.
    lead: str = ""


@dataclass(frozen=True)
class QuoteText:
    """A quote on a quotes slide: its text as shown, its source line, its direction."""

    text: str
    source: str
    is_rtl: bool = False


@dataclass
class DeckSlide:
    """What one slide of the HTML deck holds."""

    key: str
    title: str
    kicker: str = ""
    foot: str = ""
    body: list[Paragraph] = field(default_factory=list)
    #: The slide's charts, as SVG documents.
    charts: list[str] = field(default_factory=list)
    #: A key findings slide's findings, each whole, and the columns of its grid.
    findings: list[deck_fit.FindingText] = field(default_factory=list)
    columns: int = deck_fit.COLUMNS
    #: A quotes slide's quotes (or parts of quotes), each whole as the HTML deck shows it.
    quotes: list[QuoteText] = field(default_factory=list)


def _text(element) -> str:
    return office_text(_SPACES.sub(" ", element.text_content()).strip())


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _paragraphs(element, level: int = 0) -> list[Paragraph]:
    """Flatten an element of a slide into paragraphs (list items, rows, terms, lines)."""
    found: list[Paragraph] = []
    for child in element:
        if not isinstance(child.tag, str) or child.tag in ("svg", "script", "style"):
            continue
        if _classes(child) & {"visually-hidden", "slide-kicker", "slide-foot"}:
            continue
        if child.tag in ("h1", "h2"):
            continue
        if child.find(".//svg") is not None:
            found.extend(_paragraphs(child, level))
            continue
        if child.tag in ("ul", "ol"):
            for item in child:
                if not isinstance(item.tag, str):
                    continue
                blocks = [
                    c for c in item if isinstance(c.tag, str) and c.tag in ("p", "blockquote")
                ]
                if blocks:
                    for number, block in enumerate(blocks):
                        text = _text(block)
                        if text:
                            found.append(Paragraph(text, is_lead=number == 0, level=level))
                else:
                    strong = item.find("strong")
                    text = _text(item)
                    lead = _text(strong) if strong is not None else ""
                    if text and lead and text.startswith(lead) and text != lead:
                        found.append(Paragraph(text, level=level, lead=lead))
                    elif text:
                        found.append(Paragraph(text, is_lead=strong is not None, level=level))
        elif child.tag == "table":
            for row in child.iter("tr"):
                cells = [_text(cell) for cell in row if isinstance(cell.tag, str)]
                if any(cells) and row.getparent().tag != "thead":
                    found.append(Paragraph(" — ".join(c for c in cells if c), level=level))
        elif child.tag == "dl":
            terms = [c for c in child if isinstance(c.tag, str)]
            # The page's own language, not the reader's: the PPTX and a test read it alike.
            language = (child.xpath("ancestor-or-self::*[@lang][1]/@lang") or ["en"])[0]
            for term, value in zip(terms[::2], terms[1::2], strict=False):
                found.append(Paragraph(labelled(_text(term), _text(value), language), level=level))
        elif child.tag == "div" or (child.tag in ("section", "article") and len(child)):
            found.extend(_paragraphs(child, level))
        else:
            text = _text(child)
            if text:
                found.append(Paragraph(text, is_lead=child.tag == "h3", level=level))
    return found


def _findings(section) -> tuple[list[deck_fit.FindingText], int]:
    """The key findings of a findings slide (figure and sentence pairs, question, base)."""
    grids = section.find_class("findings")
    if not grids:
        return [], deck_fit.COLUMNS
    found = []
    for item in grids[0].find_class("finding"):
        figures = [_text(e) for e in item.find_class("finding-number")]
        sentences = [_text(e) for e in item.find_class("finding-answer")]
        question = item.find_class("finding-question")
        base = item.find_class("finding-base")
        found.append(
            deck_fit.FindingText(
                statements=list(zip(figures, sentences, strict=True)),
                question=_text(question[0]) if question else "",
                bases=[_text(base[0])] if base else [],
            )
        )
    columns = 1 if "findings-wide" in _classes(grids[0]) else deck_fit.COLUMNS
    return found, columns


def _quotes(section) -> list[QuoteText]:
    """The quotes of a quotes slide, whole (their own line breaks kept)."""
    found = []
    for item in section.find_class("deck-quotes")[0] if section.find_class("deck-quotes") else []:
        quote = item.find("blockquote")
        if quote is None:
            continue
        source = item.find_class("quote-source")
        found.append(
            QuoteText(
                text=office_text(quote.text_content().strip()),
                source=_text(source[0]) if source else "",
                is_rtl=quote.get("dir") == "rtl",
            )
        )
    return found


def read_slides(html: str) -> list[DeckSlide]:
    """Read the slides of a rendered deck page, in order."""
    slides = []
    for markup in _SECTION.findall(html):
        charts = _SVG.findall(markup)
        section = lxml.html.fragment_fromstring(_SVG.sub("<svg></svg>", markup))
        heading = section.find(".//h1")
        if heading is None:
            heading = section.find(".//h2")
        kicker = section.find_class("slide-kicker")
        foot = section.find_class("slide-foot")
        inner = section.find_class("slide-inner")
        findings, columns = _findings(section)
        slides.append(
            DeckSlide(
                key=section.get("data-slide") or section.get("id") or "",
                title=_text(heading) if heading is not None else "",
                kicker=_text(kicker[0]) if kicker else "",
                foot=_text(foot[0]) if foot else "",
                body=_paragraphs(inner[0] if inner else section),
                charts=charts,
                findings=findings,
                columns=columns,
                quotes=_quotes(section),
            )
        )
    return slides
