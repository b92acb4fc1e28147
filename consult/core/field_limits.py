"""A form field's limits, said once: the validators the server runs are what the page states.

A template never writes a limit as a number: ``limits(form.field)`` draws the field's
``maxlength``, ``minlength``, ``min`` and ``max`` from the same Length and NumberRange
validators that refuse a longer or larger value on the server (a browser without
JavaScript, or a script, sends what it likes; the page's attribute only helps the person
typing). Fields read by hand (not WTForms) take both their attribute and their check from one
named constant (``limits_of(maximum=...)``). ``tests/core/test_form_limits_enforced.py`` walks
every form of every page and posts a value just past each limit the HTML states.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.validators import Length, NumberRange


def _attributes(maxlength: int | None = None, minlength: int | None = None,
                low: Any = None, high: Any = None) -> Markup:  # fmt: skip
    parts = []
    for name, value in (("maxlength", maxlength), ("minlength", minlength),
                        ("min", low), ("max", high)):  # fmt: skip
        if value is not None and value != -1:
            parts.append(f' {name}="{escape(value)}"')
    return Markup("".join(parts))  # noqa: S704 - names of ours, values escaped


def field_limits(field: Any) -> Markup:
    """Return the HTML attributes of a WTForms field's Length and NumberRange validators."""
    found: dict[str, Any] = {}
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, Length):
            found.update(maxlength=validator.max, minlength=validator.min or None)
        elif isinstance(validator, NumberRange):
            found.update(low=validator.min, high=validator.max)
    return _attributes(**found)


def limits_of(*, maximum: int | None = None, minimum: int | None = None) -> Markup:
    """Return ``maxlength``/``minlength`` attributes of a field read by hand, from its constant."""
    return _attributes(maxlength=maximum, minlength=minimum)


def too_long(text: str | None, maximum: int) -> bool:
    """Tell whether a text read by hand is past its limit (counted as the browser counts)."""
    return len(text or "") > maximum
