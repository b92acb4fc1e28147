"""How a figure that may be withheld is written with its base: the one rule every output follows.

A printed figure comes with its base ("3.40 (n = 120)"). A withheld figure is written "not
shown", followed by why in brackets: too few ("fewer than 5 respondents") or to protect a smaller
group ("protects a small group"). A printed figure whose base is withheld says so once ("3.40
(n not shown: protects a small group)"). The note in brackets is never bracketed itself and never
repeats "not shown", so that no page, deck, tooltip or download writes "(not shown (protects a
small group))". Pages print ``figure`` and ``note`` apart (templates/_withheld.html); a sentence
or a tooltip uses ``inline()``; a table download puts them in two columns.

Needs a request (or test request) context for the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, pgettext
from flask_babel import gettext as _

#: Why a figure is not printed: too few people behind it.
TOO_FEW = "too_few"
#: Why a figure is not printed although enough people are behind it: with the published
#: figures it would give a smaller group away (secondary suppression, disclosure).
PROTECTS = "protects"


@dataclass(frozen=True)
class FigureText:
    """A figure as written, and the note that goes in brackets after it ("" for none)."""

    #: The figure ("3.40", "42%"), or "not shown".
    figure: str
    #: Its base, or why it is not shown; never in brackets itself, never "not shown" again.
    note: str
    #: False when the figure is withheld.
    is_shown: bool = True

    def inline(self) -> str:
        """The figure and its note in one run of text: "not shown (protects a small group)"."""
        return f"{self.figure} ({self.note})" if self.note else self.figure


def reason_text(reason: str | None, threshold: int | None = None) -> str:
    """Why a figure is not shown, in words fit for brackets; "" when no reason is given (a
    whole table withheld, or a figure that does not exist)."""
    if reason == TOO_FEW:
        return _("fewer than %(n)s respondents", n=format_decimal(threshold or 5, format="#,##0"))
    if reason == PROTECTS:
        return pgettext("why a figure is not shown", "protects a small group")
    return ""


def figure_text(
    figure: str | None,
    base: str | None = None,
    *,
    reason: str | None = None,
    threshold: int | None = None,
) -> FigureText:
    """Write a figure with its base, or say why it is not shown.

    ``figure`` None: the figure is withheld; its note is the reason, or ``base`` when the base
    itself says why ("n = 12; fewer than 5 chose it"). A printed figure with ``base`` None and a
    ``reason``: its base is withheld, said once.
    """
    why = reason_text(reason, threshold)
    if figure is None:
        return FigureText(_("not shown"), why or _clean(base), is_shown=False)
    if base is None and why:
        return FigureText(figure, _("n not shown: %(why)s", why=why))
    return FigureText(figure, _clean(base))


def withheld_text(reason: str | None = None, threshold: int | None = None) -> str:
    """A withheld figure in a run of text: "not shown (protects a small group)"."""
    return figure_text(None, reason=reason, threshold=threshold).inline()


def _clean(note: str | None) -> str:
    """A note fit for brackets: no brackets of its own (they would nest)."""
    text = (note or "").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text
