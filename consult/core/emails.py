"""One check of an e-mail address's form, for staff accounts (web form and CLI) and invitations.

Deliberately syntactic and strict about what a mail merge or a sign-in can use: one ``@``, a
local part of the dot-atom form (letters, digits and ``!#$%&'*+/=?^_`{|}~.-``, no leading,
trailing or double dot, at most 64 characters), a domain of at least two labels (letters,
digits, hyphens; international names allowed and checked through IDNA), a top-level label of
letters, 254 characters in all, no space or control character. Quoted local parts and address
literals ("[192.0.2.1]") are valid in RFC 5321 but refused here: no one on staff needs them.
Flask-free.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
_TOP_LABEL = re.compile(r"([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\Z")


def is_email(address: str) -> bool:
    """Tell whether ``address`` is an e-mail address of the accepted form."""
    if not address or len(address) > MAX_LENGTH or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    if len(local) > 64 or not _LOCAL.match(local):
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return False
    return bool(_TOP_LABEL.match(labels[-1]))
