"""The PPTX check (pptx_check) finds each fault PowerPoint refuses or repairs: a table of
packages spoilt one way each, and the clean one it passes."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from pptx import Presentation
from pptx.util import Inches

from tests.outcomes.pptx_check import pptx_problems


def _clean() -> bytes:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Title"
    slide.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1)).text_frame.text = "Body"
    slide.notes_slide.notes_text_frame.text = "Notes"
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _spoil(body: bytes, name: str, change) -> bytes:
    """The package with part ``name`` changed by ``change`` (None removes the part)."""
    source = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == name:
                if change is None:
                    continue
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


def _second_id(text: str) -> str:
    ids = re.findall(r'<p:cNvPr id="(\d+)"', text)
    return text.replace(f'<p:cNvPr id="{ids[1]}"', f'<p:cNvPr id="{ids[0]}"', 1)


SPOILS = [
    ("ppt/slides/slide1.xml", _second_id, "shape ids used twice"),
    ("ppt/notesSlides/notesSlide1.xml", lambda t: t.replace("Notes", "No\x0btes"), "forbids"),
    ("ppt/slides/slide1.xml", lambda t: t.replace("<a:t>Body", "<a:t>Body<b>"), "does not parse"),
    (
        "[Content_Types].xml",
        lambda t: re.sub(r'<Override PartName="/ppt/slides/slide1.xml"[^>]*/>', "", t),
        "no content type",
    ),
    ("ppt/notesSlides/notesSlide1.xml", None, "is missing"),
    (
        "ppt/slides/slide1.xml",
        lambda t: t.replace('<a:off x="914400"', '<a:off x="91440000"', 1),
        "leaves the slide",
    ),
    (
        "ppt/presentation.xml",
        lambda t: re.sub(r'<p:sldId id="\d+"', '<p:sldId id="12"', t),
        "slide ids",
    ),
]


def test_a_clean_package_passes():
    assert pptx_problems(_clean()) == []


@pytest.mark.parametrize(("name", "change", "problem"), SPOILS)
def test_each_fault_powerpoint_repairs_is_found(name, change, problem):
    problems = pptx_problems(_spoil(_clean(), name, change))
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("character", ["\x01", "\x07", "\x0b", "\x1f", "\ufffe", "\uffff"])
def test_the_deck_pptx_holds_no_character_powerpoint_refuses(character):
    """A quote, a title or a note carrying a character XML forbids (an old answer, a pasted
    text): the deck's PPTX is still one PowerPoint opens."""
    from consult.outcomes import deck_pptx

    html = (
        '<section class="slide slide-quotes" data-slide="quotes"><div class="slide-inner">'
        f'<h2>In their words{character}</h2><ul class="deck-quotes"><li>'
        f'<blockquote dir="ltr">“Housing{character} first”</blockquote>'
        '<p class="quote-source">Europe</p></li></ul><p class="slide-foot">Data</p></div>'
        "</section>"
    )
    body = deck_pptx.build_pptx(html, {"quotes": [f"A note{character}"]})
    assert pptx_problems(body) == []
    slide = Presentation(io.BytesIO(body)).slides[0]
    assert "Housing" in "".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
