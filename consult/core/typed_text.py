"""The one rule for typed text, Flask-free: what ``clean_text`` keeps of a text a person typed,
and what ``clean_line`` keeps of a text that must hold one line.

The input chokepoint (consult/core/inputs.py) passes every posted and queried value through it;
migration 1020 passed every text stored before the rule took out line breaks as CR LF and the
bidirectional controls through it too; a snapshot frozen before that is read through it
(``clean_strings``), its stored record and checksum unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: C0 controls but tab, line feed and carriage return (made a line feed first); DEL; C1
#: controls; the non-characters U+FFFE and U+FFFF; the bidirectional embeddings, overrides and
#: isolates. PostgreSQL refuses NUL in text outright, and none of these is ever typed.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
#: A line break as a browser sends it (CR LF) or as old systems wrote it (a lone CR).
_LINE_BREAK = re.compile(r"\r\n?")


def clean_text(value: str) -> str:
    """Return ``value`` without control characters, line breaks as LF, in NFC form.

    Tab and line breaks are kept; CR LF and a lone CR become LF, so that a length counted here
    is the length the browser's counter showed.
    """
    if value.isascii():
        if value.isprintable():
            return value
        return _CONTROL.sub("", _LINE_BREAK.sub("\n", value))
    return unicodedata.normalize("NFC", _CONTROL.sub("", _LINE_BREAK.sub("\n", value)))


#: What ends a line or spaces it apart once clean_text has run: tab, line feed, and the Unicode
#: line and paragraph separators.
_BREAKS = re.compile(r"[\t\n\u2028\u2029]+")


def clean_line(value: str) -> str:
    """Return ``value`` as one line: clean_text, then every run of line breaks and tabs one
    space, and no space at either end.

    For every field that holds one line (a name, an address, a title, a cell of an imported
    file): a line break there splits an e-mail greeting, a CSV row or a log line in two.
    """
    return _BREAKS.sub(" ", clean_text(value)).strip()


def clean_strings(value: Any) -> Any:
    """Return ``value`` (parsed JSON) with every string value passed through clean_text.

    Keys stay as they are: they are the application's (question keys, summary fields).
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: clean_strings(each) for key, each in value.items()}
    if isinstance(value, list):
        return [clean_strings(each) for each in value]
    return value
