"""Values a browser keeps for us without being able to read them: private links in its cookie.

Flask's session cookie is signed, not encrypted: anyone who gets hold of it (a shared
computer's profile, a proxy or a support ticket quoting headers) reads its content in plain
base64. A private link kept there (the pledge draft a join form continues, the status page of a
contribution just sent) would outlive its purpose by the cookie's whole life, and such a link
is a key: it opens, edits or withdraws what it names, and is valid for good.

A value that names a private link is therefore sealed before it goes into the session: encrypted
and authenticated (Fernet, from the `cryptography` library: AES in CBC mode with an HMAC over a
timestamp, https://github.com/fernet/spec), under a key derived from the app's SECRET_KEY, and
opened only within the age its purpose allows. A sealed value that has expired, was altered, or
was sealed under another key opens to None: the browser simply does not remember.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: Kept per secret key: deriving the key costs a hash, sealing is done once per request at most.
_fernets: dict[bytes, Fernet] = {}


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    fernet = _fernets.get(secret)
    if fernet is None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"consult.sealed-session-value"
        ).derive(secret)
        fernet = _fernets[secret] = Fernet(base64.urlsafe_b64encode(key))
    return fernet


def seal(value: str) -> str:
    """Return ``value`` encrypted and dated, for the session cookie."""
    return _fernet().encrypt(value.encode()).decode("ascii")


def unseal(sealed: object, max_age: timedelta) -> str | None:
    """Return the value ``sealed`` holds if it is ours and younger than ``max_age``, else None."""
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        opened = _fernet().decrypt(sealed.encode("ascii"), ttl=max(1, int(max_age.total_seconds())))
    except (InvalidToken, UnicodeError, ValueError, TypeError):
        return None
    try:
        return opened.decode()
    except UnicodeDecodeError:
        return None
