"""The name of every downloaded file, and the Content-Disposition header that carries it.

A name says what the file holds, so that two different downloads never share one and a folder
of downloads can be told apart: what (a chart or table key), from which snapshot or the live
data, with which filters, in which language when the content depends on it, and the day of its
data. ``consult-outcomes-question-barriers-partners-snapshot-3-region-europe-fr-2026-12-04.csv``.
Callers pass known values only (a figure's own name and questionnaire as downloads.figure found
them, parsed filters, ids): never a request's parameter as sent, which would echo whatever a
link carried (``?of=x"%0d%0aA:b`` once named a public file ``...-regions-x-a-b-...``).

The header gives an ASCII ``filename`` (quoted, every browser reads it) and the exact UTF-8
name in ``filename*`` (RFC 6266 / RFC 5987), so that no name can break the header or the
file system. Every response with a file to save goes through ``content_disposition``.
No Flask here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from urllib.parse import quote

#: What every name starts with: the platform, so a download is recognised among others.
PREFIX = "consult"
#: The longest name kept (file systems take 255 bytes; leave room for a browser's " (1)").
MAX_LENGTH = 180
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def slug(text: object) -> str:
    """Plain ASCII for a part of a file name: accents dropped, anything else a hyphen."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", ascii_text).strip("-").lower()


def _filter_parts(filters: Mapping[str, object] | Iterable[tuple[str, object]] | None) -> list[str]:
    """Each filter as key-value, in a fixed order, so that the same view gets the same name."""
    if not filters:
        return []
    pairs = filters.items() if isinstance(filters, Mapping) else filters
    parts = []
    for key, value in sorted(pairs, key=lambda kv: str(kv[0])):
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in sorted(str(v) for v in values if v not in (None, "", False)):
            parts.append(f"{slug(key)}-{slug(item)}")
    return parts


def download_name(
    *what: object,
    fmt: str,
    snapshot: int | None = None,
    live: bool = False,
    filters: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
    language: str | None = None,
    day: date | datetime | str | None = None,
) -> str:
    """The file name of a download, from what it holds (see the module's docstring).

    ``what``: the parts naming the content, most general first ("outcomes", "question",
    "barriers", "partners"); ``snapshot`` or ``live``: which data; ``filters``: the view's;
    ``language``: only when the content is in a language; ``day``: the day of the data.
    """
    parts = [PREFIX, *(slug(w) for w in what if w not in (None, ""))]
    if snapshot is not None:
        parts.append(f"snapshot-{int(snapshot)}")
    elif live:
        parts.append("live")
    parts += _filter_parts(filters)
    if language:
        parts.append(slug(language))
    if day:
        text = day.isoformat() if isinstance(day, date | datetime) else str(day)
        parts.append(slug(text[:10]))
    stem = "-".join(p for p in parts if p)
    # A long name is cut, never left to the browser; its end (language, day) matters most.
    if len(stem) > MAX_LENGTH:
        stem = stem[: MAX_LENGTH // 2].rstrip("-") + "--" + stem[-(MAX_LENGTH // 2) :].lstrip("-")
    return f"{stem}.{slug(fmt)}"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """The Content-Disposition header of a file to save: an ASCII ``filename`` and the exact
    name in ``filename*`` (RFC 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._()\- ]+", "-", ascii_name).strip(" .-") or "download"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


_HEADER = re.compile(r'attachment; filename="([A-Za-z0-9._()\- ]+)"; filename\*=UTF-8\'\'(\S+)\Z')


def parsed_filename(header: str) -> str | None:
    """The ASCII file name of a header content_disposition built; None for any other header."""
    found = _HEADER.match(header or "")
    return found[1] if found else None
