"""The password policy: at least 12 characters, not a common password, not a trivial pattern."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12
#: Fewer different characters than this is a pattern (aaaaaaaaaaaa, abababababab), not a secret.
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"
#: Digits and symbols people append to a word to pass a length rule ("sunshine2024!").
_PADDING = re.compile(r"[\d\W_]+\Z")

MESSAGES = {
    "too_short": _l("Use at least %(min)s characters.", min=MIN_PASSWORD_LENGTH),
    "common": _l("This password is among the most common ones. Choose another."),
    "pattern": _l("This password repeats too few different characters. Choose another."),
    "email": _l("The password must not contain your e-mail address."),
    "same": _l("Choose a password different from your current one."),
}


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords (lower-case)."""
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


def password_problem(password: str, email: str | None = None) -> str | None:
    """Return the code of what is wrong with a new password (see MESSAGES), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _PADDING.sub("", lowered) in common:
        return "common"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return "pattern"
    if email:
        local = email.lower().partition("@")[0]
        if len(local) >= 4 and (local in lowered or email.lower() in lowered):
            return "email"
    return None


def problem_text(code: str) -> str:
    """Return the message of a problem code in the current language."""
    return str(MESSAGES[code])


#: English messages for the command line (no request, so no translation).
CLI_MESSAGES = {
    "too_short": f"at least {MIN_PASSWORD_LENGTH} characters",
    "common": "this password is among the most common ones; choose another",
    "pattern": "too few different characters; choose another",
    "email": "must not contain the e-mail address",
    "same": "choose one different from the current one",
}
