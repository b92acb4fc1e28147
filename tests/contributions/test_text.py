"""Contributor text rendering: escaped first, paragraphs and http(s) links, nothing else."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from consult.contributions.text import excerpt, render_plain_text


@pytest.mark.parametrize(
    "payload",
    [
        "<script>window.pwned = 1</script>",
        '<img src=x onerror="window.pwned = 1">',
        '<svg onload="window.pwned = 1"><script>alert(1)</script></svg>',
        '<a href="javascript:window.pwned=1">click</a>',
        '"><iframe src=javascript:alert(1)>',
    ],
)
def test_markup_is_escaped(payload):
    html = str(render_plain_text(payload))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html and '<a href="javascript' not in html
    assert "&lt;" in html


def test_paragraphs_and_line_breaks():
    html = str(render_plain_text("First line\nsecond line\n\n\nNew paragraph"))
    assert html == "<p>First line<br>\nsecond line</p>\n<p>New paragraph</p>"


def test_windows_line_endings_make_paragraphs():
    assert str(render_plain_text("One\r\n\r\nTwo")) == "<p>One</p>\n<p>Two</p>"


def test_bare_https_link_becomes_a_nofollow_link():
    html = str(render_plain_text("See https://www.uclg-cisdp.org/en/charter?x=1&y=2."))
    assert (
        '<a href="https://www.uclg-cisdp.org/en/charter?x=1&amp;y=2" rel="nofollow ugc noopener">'
        "https://www.uclg-cisdp.org/en/charter?x=1&amp;y=2</a>." in html
    )


def test_parenthesised_link_keeps_the_closing_parenthesis_outside():
    html = str(render_plain_text("(see http://example.org/page)"))
    assert '(see <a href="http://example.org/page"' in html and "</a>)" in html


def test_balanced_parentheses_stay_in_the_address():
    html = str(render_plain_text("https://en.wikipedia.org/wiki/City_(disambiguation)"))
    assert 'href="https://en.wikipedia.org/wiki/City_(disambiguation)"' in html


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.org/file",
    ],
)
def test_other_schemes_are_never_linked(text):
    assert "<a " not in str(render_plain_text(text))


def test_a_link_cannot_break_out_of_its_attribute():
    html = str(render_plain_text('http://x.org/"onmouseover="alert(1)'))
    assert 'href="http://x.org/"' in html
    assert 'onmouseover="' not in html


def test_javascript_hidden_behind_an_http_prefix_stays_text():
    html = str(render_plain_text("javascript:alert(1)//http://x.org"))
    assert html.startswith('<p>javascript:alert(1)//<a href="http://x.org"')


def test_unicode_is_kept():
    text = "Derecho a la ciudad: ¿vivienda? 住房权 — حق السكن 🏠"
    assert str(render_plain_text(text)) == f"<p>{text}</p>"


def test_empty_text():
    assert str(render_plain_text("")) == "" and str(render_plain_text(None)) == ""


def test_excerpt_cuts_at_a_word():
    assert excerpt("one two three four", 9) == "one two…"
    assert excerpt("short", 10) == "short"


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("see https://bank.example\u202e/moc.live", "https://bank.example"),
        ("see https://bank.example/\u202agpj.exe\u202c", "https://bank.example/"),
        ("see https://bank\u200b.example/x", "https://bank"),
        ("see https://bank.example\u200d/x", "https://bank.example"),
        ("see https://bank.example\u2066/x\u2069", "https://bank.example"),
        ("see https://bank.example\u200e/x", "https://bank.example"),
        ("see https://bank.example\u200f/x", "https://bank.example"),
        ("see https://bank.example\ufeff/x", "https://bank.example"),
        ("see https://bank.example\u00ad/x", "https://bank.example"),
        ("see https://bank.example\u061c/x", "https://bank.example"),
        ("see https://bank.example\u2060/x", "https://bank.example"),
        ("see https://example.org/ruta/vivienda", "https://example.org/ruta/vivienda"),
    ],
)
def test_links_never_hold_bidi_or_zero_width_characters(text, href):
    html = str(render_plain_text(text))
    hrefs = re.findall(r'href="([^"]*)"', html)
    links = re.findall(r">([^<]*)</a>", html)
    assert hrefs == [href] and links == [href]
    for char in DISGUISING_CHARACTERS:
        assert char not in hrefs[0] and char not in links[0]
    rest = text[text.index(href) + len(href) :]
    assert str(escape(rest)) in html  # what follows the address stays, as plain text


DISGUISING_CHARACTERS = [
    "\u00ad", "\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b",
    "\u202c", "\u202d", "\u202e", "\u2060", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff",
]  # fmt: skip
