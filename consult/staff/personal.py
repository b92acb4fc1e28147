"""The one rule for showing personal data on staff pages and in staff downloads.

E-mail addresses, names of people and telephone numbers reach a page or a file only through
``shown``: whole to whoever may see personal data (admins, ``access.may_see_personal_data``),
masked for everyone else. An address keeps its first character and its domain
("a•••@city.test": a moderator or an analyst can still tell an invitee has one, and which
administration it belongs to); a name or a telephone number becomes "hidden: admins only".
Templates call it as ``personal(value, "email")``; downloads pass ``shown`` to their writer.
"""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l

from consult.staff.access import may_see_personal_data

Kind = Literal["email", "name", "phone"]
#: What stands for the hidden part of an address.
MASK = "•••"
#: What stands for a hidden name or telephone number.
HIDDEN = _l("hidden: admins only")


def masked_email(address: str) -> str:
    """Return ``address`` with its local part hidden but its first character: a•••@city.test."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return MASK
    return f"{local[0]}{MASK}@{domain}"


def masked(value: str, kind: Kind) -> str:
    """Return what someone who may not see personal data sees of ``value``."""
    if kind == "email":
        return masked_email(value)
    return str(HIDDEN)


def shown(value: str | None, kind: Kind) -> str:
    """Return ``value`` as the signed-in staff member may see it ('' when there is none)."""
    if not value:
        return ""
    if may_see_personal_data():
        return value
    return masked(value, kind)
