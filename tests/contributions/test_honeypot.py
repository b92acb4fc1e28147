"""The honeypot of every public form is hidden from assistive technology too: its wrapper is
aria-hidden, its input out of the tab order and never autofilled; every form uses one macro."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WRAPPER_RE = re.compile(
    r'<div class="hp-field"([^>]*)>\s*<label[^>]*>[^<]*</label>\s*<input([^>]*)>'
)


def honeypots(html: str) -> list[tuple[str, str]]:
    """Return (wrapper attributes, input attributes) of every honeypot in a page."""
    return WRAPPER_RE.findall(html)


def assert_hidden_from_everyone(html: str, expected: int) -> None:
    found = honeypots(html)
    assert len(found) == expected == html.count('name="website"'), found
    for wrapper, field in found:
        assert 'aria-hidden="true"' in wrapper
        assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_the_contribution_form_honeypot_is_hidden_from_assistive_technology(client):
    assert_hidden_from_everyone(client.get("/contributions/new").get_data(as_text=True), 1)


def test_the_reply_form_honeypot_is_hidden_from_assistive_technology(client, contribute):
    contribution_id, _token = contribute(publish=True)
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert_hidden_from_everyone(page, 1)


def test_every_template_with_a_honeypot_uses_the_macro():
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        if template.name == "_honeypot.html":
            continue
        assert "hp-field" not in source, f"{template}: use _honeypot.html's macro"
