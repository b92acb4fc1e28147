"""The deck as a PowerPoint file that CISDP staff can edit: one slide per slide of the HTML deck.

The slides are read from the rendered deck page (the same HTML the audience sees), so a change
to the deck shows in the PPTX without a second layout to keep in step. Each slide gets native,
editable text boxes (kicker, title, body, footer), its charts as PNG images drawn from their
SVG by cairosvg at twice the slide's resolution (the chart's own figures stay in the text of
the notes and the HTML), and its speaker notes on the notes page.

Chart text in any script renders with the fonts fontconfig finds (.ci/run installs
fonts-noto-core and fonts-noto-cjk); the text boxes are rendered by PowerPoint itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import cairosvg
import lxml.html
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.55)
BRAND = RGBColor(0x0B, 0x4F, 0x8A)
INK = RGBColor(0x1C, 0x24, 0x2E)
MUTED = RGBColor(0x4A, 0x55, 0x63)
#: Body text sizes tried from the largest until the text fits its box (never under 14 pt).
BODY_SIZES = (24, 22, 20, 18, 16, 14)

_SECTION = re.compile(r'<section class="slide[^"]*"[^>]*>.*?</section>', re.DOTALL)
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SPACES = re.compile(r"\s+")


@dataclass
class Paragraph:
    """A line of a slide's body: its text, whether it leads (bold), its list level."""

    text: str
    is_lead: bool = False
    level: int = 0


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


def _text(element) -> str:
    return _SPACES.sub(" ", element.text_content()).strip()


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
                    if text:
                        found.append(Paragraph(text, is_lead=strong is not None, level=level))
        elif child.tag == "table":
            for row in child.iter("tr"):
                cells = [_text(cell) for cell in row if isinstance(cell.tag, str)]
                if any(cells) and row.getparent().tag != "thead":
                    found.append(Paragraph(" — ".join(c for c in cells if c), level=level))
        elif child.tag == "dl":
            terms = [c for c in child if isinstance(c.tag, str)]
            for term, value in zip(terms[::2], terms[1::2], strict=False):
                found.append(Paragraph(f"{_text(term)}: {_text(value)}", level=level))
        elif child.tag == "div" or (child.tag in ("section", "article") and len(child)):
            found.extend(_paragraphs(child, level))
        else:
            text = _text(child)
            if text:
                found.append(Paragraph(text, is_lead=child.tag == "h3", level=level))
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
        slides.append(
            DeckSlide(
                key=section.get("data-slide") or section.get("id") or "",
                title=_text(heading) if heading is not None else "",
                kicker=_text(kicker[0]) if kicker else "",
                foot=_text(foot[0]) if foot else "",
                body=_paragraphs(inner[0] if inner else section),
                charts=charts,
            )
        )
    return slides


def _fits(paragraphs: Sequence[Paragraph], width: Emu, height: Emu, size: int) -> bool:
    """Estimate whether the paragraphs fit a box at ``size`` points (average glyph: 0.5 em)."""
    per_line = max(1, int(width / Pt(size) / 0.52))
    lines = sum(max(1, -(-len(p.text) // per_line)) for p in paragraphs)
    return lines * Pt(size) * 1.25 + len(paragraphs) * Pt(size) * 0.3 <= height


def _halves(paragraphs: Sequence[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    """Split paragraphs in two at a leading paragraph, balancing the text on each side."""
    groups: list[list[Paragraph]] = []
    for paragraph in paragraphs:
        if paragraph.is_lead or not groups:
            groups.append([])
        groups[-1].append(paragraph)
    total = sum(len(p.text) for p in paragraphs)
    left: list[Paragraph] = []
    while groups and (not left or sum(len(p.text) for p in left) < total / 2) and len(groups) > 1:
        left.extend(groups.pop(0))
    return left, [p for group in groups for p in group]


def _text_box(slide, left, top, width, height, paragraphs, *, size=None, colour=INK):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    # PowerPoint shrinks the text if an edit makes it overflow.
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    if size is None:
        size = next((s for s in BODY_SIZES if _fits(paragraphs, width, height, s)), BODY_SIZES[-1])
    for index, paragraph in enumerate(paragraphs):
        target = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        target.level = paragraph.level
        target.space_after = Pt(size * 0.3)
        run = target.add_run()
        run.text = paragraph.text
        run.font.size = Pt(size)
        run.font.bold = paragraph.is_lead
        run.font.color.rgb = BRAND if paragraph.is_lead else colour
    return box


def _picture(slide, svg: str, left, top, width, height) -> None:
    """Add a chart as a PNG scaled into the box, keeping its proportions."""
    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=2400)
    picture = slide.shapes.add_picture(io.BytesIO(png), left, top)
    scale = min(width / picture.width, height / picture.height)
    picture.width = int(picture.width * scale)
    picture.height = int(picture.height * scale)
    picture.left = int(left + (width - picture.width) / 2)
    picture.top = int(top)
    picture.name = "Chart"


def _title(slide, deck_slide: DeckSlide, left, top, width, height) -> None:
    """Fill the slide's title placeholder, placed and styled like the deck's heading."""
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = left, top, width, height
    frame = title.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    frame.text = deck_slide.title
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    font = paragraph.runs[0].font if paragraph.runs else paragraph.font
    font.size = Pt(34 if deck_slide.key == "title" else 30)
    font.bold = True
    font.color.rgb = BRAND


def build_pptx(html: str, notes: Mapping[str, Sequence[str]]) -> bytes:
    """Return the deck page ``html`` as a PPTX file, with ``notes`` (by slide key) on each."""
    presentation = Presentation()
    presentation.slide_width = SLIDE_WIDTH
    presentation.slide_height = SLIDE_HEIGHT
    # "Title Only": every slide has a real title (PowerPoint's outline and screen readers).
    layout = presentation.slide_layouts[5]
    width = SLIDE_WIDTH - 2 * MARGIN
    for deck_slide in read_slides(html):
        slide = presentation.slides.add_slide(layout)
        top = Inches(0.35)
        if deck_slide.kicker:
            _text_box(
                slide,
                MARGIN,
                top,
                width,
                Inches(0.45),
                [Paragraph(deck_slide.kicker)],
                size=14,
                colour=MUTED,
            )
        _title(slide, deck_slide, MARGIN, top + Inches(0.45), width, Inches(1.1))
        body_top = Inches(1.85)
        body_height = SLIDE_HEIGHT - body_top - Inches(0.9)
        body = deck_slide.body
        if deck_slide.charts:
            chart_width = int(width * (0.62 if body else 1.0))
            _picture(slide, deck_slide.charts[0], MARGIN, body_top, chart_width, body_height)
            if body:
                gap = Inches(0.3)
                _text_box(
                    slide,
                    MARGIN + chart_width + gap,
                    body_top,
                    width - chart_width - gap,
                    body_height,
                    body,
                )
        elif body and not _fits(body, width, body_height, 18):
            # Too much for one box at a readable size (the key findings): two columns.
            gap = Inches(0.4)
            half = int((width - gap) / 2)
            left_part, right_part = _halves(body)
            _text_box(slide, MARGIN, body_top, half, body_height, left_part)
            _text_box(slide, MARGIN + half + gap, body_top, half, body_height, right_part)
        elif body:
            _text_box(slide, MARGIN, body_top, width, body_height, body)
        if deck_slide.foot:
            _text_box(
                slide,
                MARGIN,
                SLIDE_HEIGHT - Inches(0.75),
                width,
                Inches(0.5),
                [Paragraph(deck_slide.foot)],
                size=12,
                colour=MUTED,
            )
        slide.notes_slide.notes_text_frame.text = "\n".join(notes.get(deck_slide.key) or [])
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
