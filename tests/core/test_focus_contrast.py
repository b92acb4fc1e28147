"""The focus ring is visible: its colour has a contrast of at least 3:1 (WCAG 2.2, 1.4.11 and
2.4.13) against white, and against the blue header where it is drawn in another colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "consult.css").read_text()


def luminance(colour: str) -> float:
    """Relative luminance of a #rgb or #rrggbb colour (WCAG 2)."""
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", root))


def resolve(value: str) -> str:
    match = re.fullmatch(r"var\(--([\w-]+)\)", value.strip())
    return variables()[match.group(1)] if match else value.strip()


def rule(selector: str) -> str:
    match = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert match, f"no rule for {selector}"
    return match.group(1)


def outline_colour(selector: str) -> str:
    body = rule(selector)
    colour = re.search(r"outline-color:\s*([^;]+);", body)
    if colour:
        return resolve(colour.group(1))
    outline = re.search(r"outline:\s*[^;]*?(var\(--[\w-]+\)|#[0-9a-fA-F]{3,6})\s*;", body)
    assert outline, f"{selector} sets no outline colour"
    return resolve(outline.group(1))


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [("#ffffff", "#000000", 21.0), ("#777777", "#ffffff", 4.48), ("#f2b705", "#ffffff", 1.82)],
)
def test_the_contrast_formula(a, b, ratio):
    assert contrast(a, b) == pytest.approx(ratio, abs=0.01)


def test_the_focus_ring_stands_out_on_white():
    assert contrast(outline_colour(":focus-visible"), "#ffffff") >= 3


def test_the_focus_ring_stands_out_in_the_blue_header():
    brand = variables()["brand"]
    assert contrast(outline_colour(".site-header :focus-visible"), brand) >= 3
