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
from collections.abc import Mapping, Sequence

import cairosvg
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from consult.outcomes import deck_fit
from consult.outcomes.deck_read import (
    DeckSlide,
    Paragraph,
    QuoteText,
    office_text,
    read_slides,
)

__all__ = ["DeckSlide", "Paragraph", "QuoteText", "build_pptx", "read_slides"]

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.55)
BRAND = RGBColor(0x0B, 0x4F, 0x8A)
INK = RGBColor(0x1C, 0x24, 0x2E)
MUTED = RGBColor(0x4A, 0x55, 0x63)
#: The rule beside a quote (the deck's --focus colour).
QUOTE_RULE = RGBColor(0xF2, 0xB7, 0x05)
#: One em of the HTML slide (1/64 of its width): 15 pt. The deck's smallest text, 1 em (18.7 px
#: at 1280x720), is 15 pt here.
EM = Emu(int(SLIDE_WIDTH / deck_fit.SLIDE_WIDTH))
EM_POINTS = 15
#: Body text sizes tried from the largest until the text fits its box (never under 1 em).
BODY_SIZES = (24, 22, 20, 18, 16, 15)
#: Line height of body text (exact, as in the HTML deck), in em of its size.
LINE_SPACING = 1.25


def _fits(paragraphs: Sequence[Paragraph], width: Emu, height: Emu, size: int) -> bool:
    """Whether the paragraphs fit a box at ``size`` points, measured as the HTML deck is
    (deck_fit: the deck's font, line breaks at spaces only)."""
    scale = size / EM_POINTS
    width_em = width / EM
    lines = sum(
        max(1, deck_fit.line_count(p.text, width_em, scale, bold=p.is_lead)) for p in paragraphs
    )
    needed = lines * scale * LINE_SPACING + len(paragraphs) * scale * 0.3
    return needed <= height / EM


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
    # The text starts at the box's edge, as in the HTML deck (the measures assume it).
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    # PowerPoint shrinks the text if an edit makes it overflow.
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    if size is None:
        size = next((s for s in BODY_SIZES if _fits(paragraphs, width, height, s)), BODY_SIZES[-1])
    for index, paragraph in enumerate(paragraphs):
        target = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        target.level = paragraph.level
        target.line_spacing = Pt(size * LINE_SPACING)
        target.space_after = Pt(size * 0.3)
        if paragraph.lead:
            parts = [(paragraph.lead, True), (paragraph.text[len(paragraph.lead) :], False)]
        else:
            parts = [(paragraph.text, paragraph.is_lead)]
        for text, bold in parts:
            run = target.add_run()
            run.text = text
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = BRAND if bold else colour
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


def _title(slide, deck_slide: DeckSlide, left, top, width, height, size=None) -> None:
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
    font.size = Pt(size or (34 if deck_slide.key == "title" else 30))
    font.bold = True
    font.color.rgb = BRAND


def _em(value: float) -> Emu:
    return Emu(int(value * EM))


def _finding_box(slide, finding: deck_fit.FindingText, left, top, width, height) -> None:
    """One key finding: its rule on the left, then figures, sentences, question and base."""
    rule = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, _em(left), _em(top), _em(0.35), _em(height))
    rule.fill.solid()
    rule.fill.fore_color.rgb = BRAND
    rule.line.fill.background()
    rule.name = "Rule"
    indent = deck_fit.FINDING_INDENT
    box = slide.shapes.add_textbox(
        _em(left + indent), _em(top + 0.2), _em(width), _em(height - deck_fit.FINDING_PADDING)
    )
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    # Measured to fit (deck_fit): nothing is shrunk, as nothing is in the HTML deck.
    frame.auto_size = MSO_AUTO_SIZE.NONE
    lines = []
    for figure, sentence in finding.statements:
        lines.append((figure, deck_fit.FIGURE_SIZE, deck_fit.FIGURE_LINE, True, BRAND, 0.0))
        lines.append((sentence, 1.0, deck_fit.TEXT_LINE, False, INK, deck_fit.SENTENCE_GAP))
    lines.append((finding.question, 1.0, deck_fit.TEXT_LINE, False, MUTED, 0.0))
    lines.extend((base, 1.0, deck_fit.TEXT_LINE, True, MUTED, 0.0) for base in finding.bases)
    for index, (text, size, line, bold, colour, after) in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.line_spacing = Pt(size * line * EM_POINTS)
        paragraph.space_after = Pt(after * EM_POINTS)
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size * EM_POINTS)
        run.font.bold = bold
        run.font.color.rgb = colour


def _measured_slide(slide, deck_slide: DeckSlide) -> None:
    """The kicker, title and footer of a slide laid out in the HTML deck's em (deck_fit)."""
    left = deck_fit.PADDING[3]
    width = deck_fit.SLIDE_WIDTH - deck_fit.PADDING[1] - deck_fit.PADDING[3]
    top = deck_fit.PADDING[0]
    if deck_slide.kicker:
        lines = deck_fit.line_count(
            deck_slide.kicker, width, bold=True, upper=True, spacing=deck_fit.KICKER_SPACING
        )
        kicker = _text_box(
            slide,
            _em(left),
            _em(top),
            _em(width),
            _em(lines * deck_fit.LINE),
            [Paragraph(deck_slide.kicker.upper())],
            size=EM_POINTS,
            colour=MUTED,
        )
        kicker.text_frame.auto_size = MSO_AUTO_SIZE.NONE
        top += lines * deck_fit.LINE + deck_fit.KICKER_GAP
    title_lines = deck_fit.line_count(deck_slide.title, width, deck_fit.TITLE_SIZE, bold=True)
    _title(
        slide,
        deck_slide,
        _em(left),
        _em(top),
        _em(width),
        _em(title_lines * deck_fit.TITLE_SIZE * deck_fit.TITLE_LINE),
        size=deck_fit.TITLE_SIZE * EM_POINTS,
    )
    slide.shapes.title.text_frame.margin_left = 0
    if deck_slide.foot:
        lines = deck_fit.line_count(deck_slide.foot, width)
        foot = _text_box(
            slide,
            _em(left),
            _em(deck_fit.SLIDE_HEIGHT - deck_fit.PADDING[2] - lines * deck_fit.LINE),
            _em(width),
            _em(lines * deck_fit.LINE),
            [Paragraph(deck_slide.foot)],
            size=EM_POINTS,
            colour=MUTED,
        )
        foot.text_frame.auto_size = MSO_AUTO_SIZE.NONE


def _findings_slide(slide, deck_slide: DeckSlide) -> None:
    """A key findings slide laid out as the HTML deck lays it out, in its em (deck_fit)."""
    _measured_slide(slide, deck_slide)
    left = deck_fit.PADDING[3]
    grid_top = deck_fit.findings_top(deck_slide.kicker, deck_slide.title)
    column = deck_fit.column_width(deck_slide.columns)
    for finding, (x, y, height) in zip(
        deck_slide.findings,
        deck_fit.grid_places(deck_slide.findings, deck_slide.columns),
        strict=True,
    ):
        _finding_box(slide, finding, left + x, grid_top + y, column, height)


def _quotes_slide(slide, deck_slide: DeckSlide) -> None:
    """A quotes slide laid out as the HTML deck lays it out: each quote whole, at the deck's
    size, its rule beside it and its source under it (deck_fit, deck_quotes)."""
    _measured_slide(slide, deck_slide)
    left = deck_fit.PADDING[3]
    top = deck_fit.findings_top(deck_slide.kicker, deck_slide.title)
    size = deck_fit.QUOTE_SIZE
    for quote in deck_slide.quotes:
        lines = deck_fit.line_count(quote.text, deck_fit.quote_width(), size)
        height = lines * size * deck_fit.QUOTE_LINE
        rule_left = left + deck_fit.quote_width() + deck_fit.QUOTE_INDENT - 0.25 * size
        rule = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE,
            _em(rule_left if quote.is_rtl else left),
            _em(top),
            _em(0.25 * size),
            _em(height),
        )
        rule.fill.solid()
        rule.fill.fore_color.rgb = QUOTE_RULE
        rule.line.fill.background()
        rule.name = "Rule"
        text_left = left if quote.is_rtl else left + deck_fit.QUOTE_INDENT
        box = slide.shapes.add_textbox(
            _em(text_left), _em(top), _em(deck_fit.quote_width()), _em(height)
        )
        box.name = "Quote"
        frame = box.text_frame
        frame.word_wrap = True
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        # Measured to fit (deck_fit): nothing is shrunk, as nothing is in the HTML deck.
        frame.auto_size = MSO_AUTO_SIZE.NONE
        for index, line in enumerate(quote.text.split("\n")):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.line_spacing = Pt(size * deck_fit.QUOTE_LINE * EM_POINTS)
            if quote.is_rtl:
                paragraph.alignment = PP_ALIGN.RIGHT
                paragraph._p.get_or_add_pPr().set("rtl", "1")
            run = paragraph.add_run()
            run.text = line
            run.font.size = Pt(size * EM_POINTS)
            run.font.italic = True
            run.font.color.rgb = INK
        top += height
        if quote.source:
            top += deck_fit.SOURCE_GAP
            source_lines = deck_fit.line_count(quote.source, deck_fit.source_width())
            source = _text_box(
                slide,
                _em(left + deck_fit.SOURCE_INDENT),
                _em(top),
                _em(deck_fit.source_width()),
                _em(source_lines * deck_fit.LINE),
                [Paragraph(quote.source)],
                size=EM_POINTS,
                colour=MUTED,
            )
            source.text_frame.auto_size = MSO_AUTO_SIZE.NONE
            source.name = "Source"
            top += source_lines * deck_fit.LINE
        top += deck_fit.QUOTE_GAP


def _foot(slide, deck_slide: DeckSlide, width) -> None:
    """The slide's footer (data time, base), at the deck's smallest size, never less."""
    if deck_slide.foot:
        _text_box(
            slide,
            MARGIN,
            SLIDE_HEIGHT - Inches(0.75),
            width,
            Inches(0.55),
            [Paragraph(deck_slide.foot)],
            size=EM_POINTS,
            colour=MUTED,
        )


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
        slide.notes_slide.notes_text_frame.text = office_text(
            "\n".join(notes.get(deck_slide.key) or [])
        )
        if deck_slide.findings:
            _findings_slide(slide, deck_slide)
            continue
        if deck_slide.quotes:
            _quotes_slide(slide, deck_slide)
            continue
        top = Inches(0.35)
        if deck_slide.kicker:
            _text_box(
                slide,
                MARGIN,
                top,
                width,
                Inches(0.45),
                [Paragraph(deck_slide.kicker)],
                size=EM_POINTS,
                colour=MUTED,
            )
        stacked = bool(deck_slide.charts) and len(deck_slide.body) <= 1
        if stacked and not deck_slide.kicker:
            # A chart with only a note (the heat map): as in the HTML deck, the chart takes
            # the slide's width and height under a title kept to one line, the note below.
            _title(slide, deck_slide, MARGIN, top, width, Inches(0.75))
            foot_top = SLIDE_HEIGHT - Inches(0.75)
            note_height = Emu(0)
            if deck_slide.body:
                lines = deck_fit.line_count(deck_slide.body[0].text, width / EM)
                note_height = _em(lines * LINE_SPACING + 0.3)
                _text_box(
                    slide,
                    MARGIN,
                    foot_top - note_height,
                    width,
                    note_height,
                    deck_slide.body,
                    size=EM_POINTS,
                    colour=MUTED,
                )
            chart_top = top + Inches(0.85)
            _picture(
                slide,
                deck_slide.charts[0],
                MARGIN,
                chart_top,
                width,
                foot_top - note_height - Inches(0.1) - chart_top,
            )
            _foot(slide, deck_slide, width)
            continue
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
        _foot(slide, deck_slide, width)
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
