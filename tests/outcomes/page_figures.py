"""Read the figures a rendered outcomes page shows, and check shown figures against true counts.

A page is parsed with lxml; rows and columns carry ``data-key`` attributes naming what they
hold, and a cell's text is read the way a person reads it ("1,234", "fewer than 5", "not shown
(protects a small group)", "32.1%"). Nothing here calls the app's summary code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

SMALL = "small"  # "fewer than N": the true count is below the threshold
HIDDEN = "hidden"  # "not shown (protects a small group)": hidden to protect another cell
WITHHELD = "withheld"  # "not shown": the whole table withheld, zeros too
DASH = "dash"  # "–": no figure


@dataclass(frozen=True)
class Cell:
    """One shown cell: a count (or SMALL, HIDDEN, DASH), and the share printed beside it."""

    count: int | float | str | None
    share: float | None = None
    #: Half the last printed digit of the share: 32% is 0.315 to 0.325.
    share_step: float = 0.0005


_NUMBER = re.compile(r"^-?[\d,]+(?:\.\d+)?$")
_SHARE = re.compile(r"(-?[\d.,]+)\s?%")


def read_number(text: str) -> int | float | str | None:
    """Read a shown figure in English notation (SMALL, HIDDEN or DASH for the words)."""
    text = " ".join(text.split())
    if not text:
        return None
    if text.startswith("fewer than"):
        return SMALL
    if text == "not shown":
        return WITHHELD
    if text.startswith("not shown"):
        return HIDDEN
    if text in ("–", "-"):
        return DASH
    if _NUMBER.match(text):
        value = float(text.replace(",", ""))
        return int(value) if "." not in text else value
    raise AssertionError(f"not a figure: {text!r}")


def read_cell(element) -> Cell:
    """Read a table cell: its count and, when printed beside it, its share ("9 32%")."""
    text = " ".join(element.text_content().split())
    share, step = None, 0.0005
    found = _SHARE.search(text)
    if found:
        share = float(found.group(1).replace(",", "")) / 100
        step = 0.0005 if "." in found.group(1) else 0.005
        text = text[: found.start()].strip()
    return Cell(read_number(text), share, step)


def read_share(element) -> float | None:
    """Read a cell holding only a share ("32.1%"), None for a dash."""
    text = " ".join(element.text_content().split())
    found = _SHARE.search(text)
    return float(found.group(1).replace(",", "")) / 100 if found else None


def parse(html: str):
    """Parse a page."""
    return lxml.html.fromstring(html)


def keyed_rows(table) -> dict[str, list]:
    """A table body's rows by data-key: the cells after the row header."""
    rows = {}
    for row in table.xpath("./tbody/tr[@data-key]"):
        rows[row.get("data-key")] = row.xpath("./td")
    return rows


def column_keys(table) -> list[str]:
    """The data-key of each keyed column header, in order."""
    return [th.get("data-key") for th in table.xpath("./thead/tr/th[@data-key]")]


def check_distribution(
    where: str,
    shown: dict[str, Cell],
    true: dict[str, int],
    threshold: int,
    *,
    base: int | None,
    exclusive: bool,
    total_shown: bool = True,
    public_texts: bool = False,
) -> list[str]:
    """Compare a shown distribution with the true counts; return the problems found.

    Every shown count is the true one and rests on at least ``threshold`` (or is 0); every
    true count below the threshold is hidden; a "fewer than" is never printed over a count
    that is not small; a shown share is the count over ``base``; and in an exclusive
    distribution whose total is shown, a hidden cell never stands alone (it could be worked
    out by subtraction). With ``public_texts`` (published contributions, each one public with
    its article, kind and region), a small count may be shown.
    """
    problems = []
    for key in set(shown) | {k for k, n in true.items() if n}:
        cell = shown.get(key)
        want = int(true.get(key, 0))
        if cell is None:
            problems.append(f"{where}: {key} (true {want}) is not on the page")
            continue
        if isinstance(cell.count, int):
            if cell.count != want:
                problems.append(f"{where}: {key} shows {cell.count}, true {want}")
            elif 0 < want < threshold and not public_texts:
                problems.append(f"{where}: {key} shows a small count {want}")
            off = cell.share is not None and base and abs(cell.share - want / base)
            if off and off > cell.share_step + 1e-9:
                problems.append(f"{where}: {key} share {cell.share} != {want}/{base}")
        elif cell.count == SMALL:
            if not 0 < want < threshold:
                problems.append(f"{where}: {key} says 'fewer than' over a count of {want}")
        elif cell.count == HIDDEN:
            if want == 0:
                problems.append(f"{where}: {key} hides a zero")
        elif cell.count in (DASH, None) and want:
            problems.append(f"{where}: {key} shows no figure, true {want}")
    hidden = [k for k, c in shown.items() if c.count in (SMALL, HIDDEN, WITHHELD)]
    if exclusive and total_shown and len(hidden) == 1:
        problems.append(f"{where}: {hidden[0]} is the only hidden cell (recoverable)")
    return problems
