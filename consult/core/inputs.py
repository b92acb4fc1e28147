"""The one place where what a client sends becomes values the app works with.

Text: every value of every query string and posted form (WTForms or read by hand) passes through
``clean_text`` (the rule: consult/core/typed_text.py, Flask-free) while the request is parsed,
because the request class stores parameters in
``CleanParameters``: NUL and the other C0 and C1 control characters are taken out (tab and line
feed stay: text areas hold several lines), a line break is one line feed (browsers send a text
area's breaks as CR LF, and count them as one character: a limit counted on CR LF would refuse
what the browser's counter said fits), the invisible bidirectional embedding, override and
isolate controls (U+202A-U+202E, U+2066-U+2069) are taken out (they show a name or an answer
reversed on staff pages, in exports and the PDF; the marks U+200E and U+200F, which writers of
right-to-left scripts type, stay), and the text is put in Unicode NFC form, so that the same
word typed on two keyboards is stored (and searched) the same way.
A value longer than MAX_FIELD_CHARACTERS is cut to one character more (so that its form, whose
own limit is smaller, says it is too long next to the field and keeps the other answers), and
a request with more than MAX_FORM_PARTS fields is refused with 413 before any view sees it.

One line: a field that holds one line (a name, an address, a title; every single-line field
of a form, every cell of an imported file) is passed through ``clean_line`` on top of that: its
line breaks and tabs become one space. Every form class of the app derives from ``Form``, whose
text, e-mail, telephone, search and URL fields do this as they are bound (a text area keeps its
lines, a password is never changed); a value read by hand goes through ``form_line``.

Numbers, ids, pages and dates from the path or the query string: the ``int`` converter of the
URL map takes ASCII digits only, up to the largest id a database column holds (a longer or
non-ASCII number is a 404), and ``query_int``, ``query_page`` and ``query_date`` read the query
string the same way (a malformed value is ignored or answers 400, never a 500).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Request, abort, current_app, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import BaseConverter, IntegerConverter
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from consult.core.typed_text import clean_line, clean_text

#: The largest value of a 32-bit signed integer column (PostgreSQL's integer, our ids).
MAX_ID = 2**31 - 1
#: A page number larger than this is certainly not a page (and would overflow an OFFSET).
MAX_PAGE = 100_000
_ASCII_NUMBER = re.compile(r"[0-9]{1,10}\Z")
#: ISO dates only, with a four-digit year: 2022-02-23.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
#: Keys of url_for that are not URL values: a query argument of that name must never reach it.
URL_FOR_KEYWORDS = frozenset({"endpoint", "values", "_external", "_anchor", "_method", "_scheme"})


def _max_characters() -> int:
    return int(current_app.config.get("MAX_FIELD_CHARACTERS") or 100_000)


class QuietGet:
    """``get`` of werkzeug's MultiDict without its exception for a missing key.

    Werkzeug's ``get`` answers a missing key by raising and catching a BadRequestKeyError (an
    HTTPException built each time); a page save asks for a dozen fields and cookies it was not
    sent (the language and leave buttons, the merge's fields, the link box, the language cookie).
    """

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002 - werkzeug's name
        """Return the first value of ``key`` (converted by ``type``), or ``default``."""
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default


class QuietImmutableMultiDict(QuietGet, ImmutableMultiDict):
    """The request's cookies: werkzeug's mapping with a quiet ``get``."""


class CleanParameters(QuietGet, ImmutableMultiDict):
    """The query string's and a posted form's values, each passed through clean_text."""

    def __init__(self, mapping: Any = None) -> None:
        if not mapping:  # nothing sent (most query strings): no limit to look up, no loop
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            items = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            items = [
                (key, each)
                for key, value in mapping.items()
                for each in (value if isinstance(value, list | tuple) else [value])
            ]
        else:
            items = mapping
        limit = _max_characters()
        cleaned = []
        for key, value in items:
            if isinstance(value, str):
                # Cut, not refused: one character over the cap still tells every form's own
                # (smaller) limit that the text is too long, so the page is shown again with a
                # message next to that field and every other answer kept.
                value = clean_text(value[: limit + 1])
            cleaned.append((clean_text(key) if isinstance(key, str) else key, value))
        super().__init__(cleaned)


class CappedFormParser(FormDataParser):
    """Werkzeug's form parser, with the number of fields capped for url-encoded bodies too.

    Werkzeug caps the parts of a multipart body (MAX_FORM_PARTS) but not the fields of an
    url-encoded one: a page save with hundreds of thousands of unknown fields cost seconds of
    CPU. parse_qsl counts the separators first and stops before parsing anything.
    """

    def _parse_urlencoded(self, stream, mimetype, content_length, options):  # type: ignore[no-untyped-def]
        limit = self.max_form_parts
        try:
            items = parse_qsl(
                stream.read().decode(),
                keep_blank_values=True,
                errors="werkzeug.url_quote",
                max_num_fields=limit,
            )
        except ValueError as error:
            raise RequestEntityTooLarge() from error
        return stream, self.cls(items), self.cls()


class ConsultRequest(Request):
    """Flask's request with every parameter cleaned and the number of form fields capped."""

    parameter_storage_class = CleanParameters
    dict_storage_class = QuietImmutableMultiDict
    form_data_parser_class = CappedFormParser


def one_line(value: Any) -> Any:
    """A WTForms filter: a text as one line (clean_line); anything else as it is."""
    return clean_line(value) if isinstance(value, str) else value


def is_single_line(field_class: type) -> bool:
    """Tell whether a WTForms field class holds one line of typed text."""
    return issubclass(field_class, StringField) and not issubclass(
        field_class, TextAreaField | PasswordField | HiddenField
    )


class Form(FlaskForm):
    """The app's form: FlaskForm whose single-line fields hold one line (``one_line``)."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            """Bind a field, adding ``one_line`` to the filters of a single-line one."""
            if is_single_line(unbound_field.field_class):
                filters = (*unbound_field.kwargs.get("filters", ()), one_line)
                return unbound_field.bind(form=form, **{**options, "filters": filters})
            return unbound_field.bind(form=form, **options)


def form_line(name: str) -> str:
    """Return a posted field read by hand as one line ('' when absent)."""
    return clean_line(request.form.get(name) or "")


class AsciiIdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits, 0 to MAX_ID; anything else does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
        self.regex = r"[0-9]{1,10}"


class CleanStringConverter(BaseConverter):
    """``<...>`` and ``<string:...>``: one path segment without control characters, at most
    200 characters (a longer or stranger one is no page of ours: 404)."""

    regex = r"[^/\x00-\x1f\x7f-\x9f]{1,200}"


def query_int(name: str, default: int | None = None, *, maximum: int = MAX_ID) -> int | None:
    """Return an ASCII whole number from the query string, or ``default`` when it is absent.

    A malformed, negative, non-ASCII or too large value answers 400.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _ASCII_NUMBER.match(raw) or int(raw) > maximum:
        abort(400)
    return int(raw)


def parse_id(raw: str | None, *, maximum: int = MAX_ID) -> int | None:
    """Return an ASCII whole number from 0 to ``maximum``, or None for anything else."""
    if not raw or not _ASCII_NUMBER.match(raw) or int(raw) > maximum:
        return None
    return int(raw)


def form_int(name: str) -> int | None:
    """Return an id posted in a form field, or None when absent or malformed."""
    return parse_id(request.form.get(name))


def query_page(name: str = "page") -> int:
    """Return a page number from the query string: 1 when absent, 400 when malformed."""
    page = query_int(name, 1, maximum=MAX_PAGE) or 1
    return max(page, 1)


def parse_date(value: str | None) -> date | None:
    """Return an ISO date (YYYY-MM-DD, years 1000 to 9998), or None for anything else."""
    if not value or not _ISO_DATE.match(value):
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    # A day after the year 9998 could not be moved by a day or turned into a datetime range.
    return parsed if 1000 <= parsed.year <= 9998 else None


def parse_datetime(value: str | None) -> datetime | None:
    """Return an ISO date and time (naive, years 1000 to 9998), or None for anything else."""
    if not value or not value[:4].isascii() or not value[:4].isdigit() or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if 1000 <= parsed.year <= 9998 else None


def query_date(name: str) -> date | None:
    """Return an ISO date from the query string, or None when absent or malformed."""
    return parse_date(request.args.get(name))


def url_args(args: Any, *drop: str) -> dict[str, str]:
    """Return query arguments fit to hand to url_for again: url_for's own keywords and the
    names in ``drop`` taken out (``?endpoint=x`` or ``?_external=1`` would break the link)."""
    return {
        key: value
        for key, value in args.items()
        if key not in URL_FOR_KEYWORDS and not key.startswith("_") and key not in drop
    }


def init_app(app: Flask) -> None:
    """Clean every parameter, cap form fields and parse path numbers and strings strictly."""
    app.request_class = ConsultRequest
    app.url_map.converters["int"] = AsciiIdConverter
    app.url_map.converters["default"] = CleanStringConverter
    app.url_map.converters["string"] = CleanStringConverter
