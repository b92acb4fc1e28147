"""Every table of the site scrolls in the one focusable, named box (templates/_table_scroll.html),
so that no table widens a page on a phone and a keyboard can scroll every table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

#: Tables that need no scrolling box, and why.
NOT_SCROLLED = {
    # Slides are laid out at a fixed size for a projector, not a phone.
    "campaign/public_deck_slide.html": "slide",
    "outcomes/deck.html": "slide",
    # Two columns of facts above a printed response: its cells wrap.
    "questionnaires/print/response.html": "document facts",
}

OPEN = re.compile(r"\{%-?\s*call\s+(?:table_scroll|scrolling)\(")
CLOSE = re.compile(r"\{%-?\s*endcall\s*-?%\}")


def unscrolled_tables(text: str) -> list[int]:
    """The line numbers of the tables of a template that sit in no scrolling box (a stacked
    table becomes one card per row on a phone, and needs none)."""
    found = []
    for match in re.finditer(r"<table\b[^>]*>", text):
        before = text[: match.start()]
        opened = [m.end() for m in OPEN.finditer(before)]
        closed = [m.end() for m in CLOSE.finditer(before)]
        inside = bool(opened) and (not closed or opened[-1] > closed[-1])
        if not inside and "stacked-table" not in match.group(0):
            found.append(before.count("\n") + 1)
    return found


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("<table><tr><td>1</td></tr></table>", [1]),
        ('{% call table_scroll("T") %}<table></table>{% endcall %}', []),
        ('{% call scrolling("T") %}\n<table></table>{% endcall %}', []),
        ('{% call table_scroll("T") %}<table></table>{% endcall %}\n<table></table>', [2]),
        ('<table class="data-table stacked-table" role="table"></table>', []),
        ('<div class="table-scroll"><table></table></div>', [1]),
    ],
)
def test_the_check_finds_tables_outside_the_box(template, expected):
    assert unscrolled_tables(template) == expected


def test_every_table_of_the_site_is_in_the_scrolling_box():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        if name in NOT_SCROLLED:
            continue
        lines = unscrolled_tables(path.read_text(encoding="utf-8"))
        if lines:
            found[name] = lines
    assert found == {}


def test_no_template_makes_its_own_scrolling_box():
    """A hand-made box forgets the tab stop or the name (the audit log's did)."""
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_table_scroll.html"
        and re.search(r'class="[^"]*\btable-(?:scroll|wrap)\b', path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_box_is_a_named_tab_stop(app: Flask, language):
    page = (
        '{% from "_table_scroll.html" import table_scroll %}'
        '{% call table_scroll("Audit log", class="wide") %}<table></table>{% endcall %}'
    )
    names = {"en": "scrolls sideways", "fr": "défile horizontalement", "es": "desplazable"}
    with app.test_request_context(f"/?lang={language}"):
        html = render_template_string(page)
    assert 'class="table-scroll wide" tabindex="0" role="group"' in html
    assert re.search(rf'aria-label="Audit log \({names[language]}', html), html
