"""The PPTX opened by a real presentation program: LibreOffice Impress (headless) converts it to
PDF with its notes pages; every slide is there, in order, with its title, its charts and its
findings' text, and every slide's speaker notes on its notes page.

One conversion per language (about 5 s each, most of it LibreOffice starting), in a profile of
the module's own so that no user's LibreOffice settings leak in.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from consult.outcomes import deck_pptx
from tests.outcomes.test_deck_exports import (  # noqa: F401 (fixture)
    deck_client,
    deck_html,
    presenter_notes,
)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="needs LibreOffice Impress (Debian: libreoffice-impress)"
)


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    """A LibreOffice user profile for this module only."""
    return tmp_path_factory.mktemp("libreoffice-profile")


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def convert(pptx: bytes, folder, profile) -> bytes:
    """Convert a PPTX to PDF with LibreOffice Impress, headless; return the PDF."""
    source = folder / "deck.pptx"
    source.write_bytes(pptx)
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            # the slides, then a notes page per slide (the speaker notes as Impress reads them)
            'pdf:impress_pdf_Export:{"ExportNotesPages":{"type":"boolean","value":"true"}}',
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
        check=False,
    )
    converted = folder / "deck.pdf"
    assert result.returncode == 0, result.stderr
    assert converted.exists(), (result.stdout, result.stderr)
    return converted.read_bytes()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_libreoffice_opens_the_pptx_with_every_slide(deck_client, language, tmp_path, profile):  # noqa: F811
    slides = deck_pptx.read_slides(deck_html(deck_client, language))
    reply = deck_client.get(f"/staff/outcomes/1/deck.pptx?lang={language}")
    assert reply.status_code == 200
    reader = PdfReader(io.BytesIO(convert(reply.get_data(), tmp_path, profile)))
    assert len(reader.pages) == 2 * len(slides)
    notes = presenter_notes(deck_client, language)
    for deck_slide, page in zip(slides, reader.pages[len(slides) :], strict=True):
        text = _plain(page.extract_text())
        assert notes[deck_slide.key], deck_slide.key
        for line in notes[deck_slide.key]:
            assert _plain(line) in text, (deck_slide.key, line, text[:300])
    for deck_slide, page in zip(slides, reader.pages[: len(slides)], strict=True):
        text = _plain(page.extract_text())
        assert _plain(deck_slide.title) in text, (deck_slide.key, text[:300])
        # the charts are drawn (pictures), the findings' figures and bases are there
        assert len(page.images) >= len(deck_slide.charts[:1]), deck_slide.key
        for finding in deck_slide.findings:
            for figure, _sentence in finding.statements:
                assert _plain(figure) in text, (deck_slide.key, figure)
            for base in finding.bases:
                assert _plain(base)[:25] in text, (deck_slide.key, base)
