"""The deck as a PDF: the deck page printed by headless Chromium, one slide per page.

Why Chromium: the PDF is then the very rendering the audience sees in the browser (same CSS,
same SVG charts, same fonts, the deck's print style of one 16:9 page per slide), with no second
layout engine whose CSS support differs (WeasyPrint lacks parts of flexbox and grid the slides
use; cairosvg and reportlab would mean drawing every slide again). Debian's chromium is already
what the browser tests run; a server without it answers 503 with a way out (the PPTX, or
printing from the browser). Set CHROMIUM_PATH to use another binary.

The page is printed from a file holding the deck with its stylesheet inlined and no script, in a
throw-away profile, offline (no request leaves the machine).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from flask import Flask

#: Longest a print may take before it is given up.
TIMEOUT_SECONDS = 90
#: The deck's stylesheet link, under its plain or its content-hashed name (core/assets.py).
_STYLESHEET = re.compile(
    r'<link rel="stylesheet" href="[^"]*/consult(?:\.[0-9a-f]+)?\.css(?:\?[^"]*)?">'
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_SECTION = re.compile(r'<section class="slide[^"]*"[^>]*>.*?</section>', re.DOTALL)


class PdfUnavailable(Exception):
    """The PDF cannot be made on this server (no Chromium, or it failed)."""


def chromium_path(app: Flask) -> str:
    """Return the Chromium binary to print with (PdfUnavailable if there is none)."""
    configured = app.config.get("CHROMIUM_PATH")
    for candidate in (configured, "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise PdfUnavailable("no chromium binary (set CHROMIUM_PATH)")


def standalone(html: str, stylesheet: str) -> str:
    """Return the deck page with its stylesheet inlined and without scripts."""
    html = _SCRIPT.sub("", html)
    # The replacement is a function so that backslashes in the CSS stay as they are.
    return _STYLESHEET.sub(lambda _m: f"<style>{stylesheet}</style>", html, count=1)


def with_notes(html: str, pages: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Return the deck page with a notes page after each slide, as PowerPoint's notes pages:
    ``pages`` holds, slide by slide, the notes page's heading and its lines (plain text,
    escaped here)."""
    remaining = iter(pages)

    def add_notes(match: re.Match) -> str:
        heading, lines = next(remaining, ("", ()))
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        return (
            f'{match.group(0)}\n<aside class="notes-page">'
            f'<h2 class="notes-page-heading">{escape(heading)}</h2>'
            f'<ul class="notes-page-lines">{items}</ul></aside>'
        )

    return _SECTION.sub(add_notes, html)


def build_pdf(html: str, app: Flask) -> bytes:
    """Print the rendered deck page ``html`` to PDF; return its bytes."""
    binary = chromium_path(app)
    stylesheet = (Path(app.static_folder or "static") / "css" / "consult.css").read_text(
        encoding="utf-8"
    )
    with tempfile.TemporaryDirectory(prefix="consult-deck-") as folder:
        work = Path(folder)
        page = work / "deck.html"
        page.write_text(standalone(html, stylesheet), encoding="utf-8")
        out = work / "deck.pdf"
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={work / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=True, cwd=work
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise PdfUnavailable(f"chromium could not print the deck: {exc}") from exc
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("chromium wrote no PDF")
        return out.read_bytes()
