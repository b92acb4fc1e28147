"""Well-formed messages: the one place addresses, names and subjects become headers.

Built with the standard library's ``email`` package (EmailMessage under ``policy.SMTP``): it
encodes non-ASCII names and subjects (RFC 2047), folds long lines, writes CRLF line ends and
refuses a header value holding CR or LF. Before that last guard is ever reached, every text
that goes into a header passes through ``one_line`` (and addresses through
``normalise_address``) when the message is queued, so a name or subject typed with line breaks
becomes one harmless line instead of an error or an injected header.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

#: Header texts are cut to this length (a subject is read in one glance).
MAX_HEADER_TEXT = 200

#: Characters that end a line somewhere (CR, LF, VT, FF, NEL, LS, PS) and other controls.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
#: dot-atom local part (RFC 5322, ASCII) and a host name of labels.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, making each header's class once instead of per header.

    (The standard one builds a new class with type() for every header set or parsed: a third
    of the cost of building a message.)
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(key)
        return made


#: Header values seen recently, parsed once: (name, text) -> header, and its folded lines.
#: Most headers of a batch repeat (From, Subject per language, Content-Type, ...); bounded,
#: because To, Message-ID and the unsubscribe link never repeat.
_PARSED: dict[tuple[str, str], Any] = {}
_FOLDED: dict[tuple[int, str, int | None, bool, str], bytes] = {}
_REMEMBERED = 256
#: The From header of each (name, address) the sender has used.
_SENDERS: dict[tuple[str, str], Any] = {}


class _Policy(policy.EmailPolicy):
    """policy.SMTP, remembering the headers it has parsed and folded (the costly part).

    A header is the same object whatever message it is in (headers are immutable strings), so
    a parsed one is reused and folded once. Values with a line break are never remembered:
    they go to the standard method, which refuses them.
    """

    def header_store_parse(self, name, value):  # noqa: D102 - as EmailPolicy's
        if type(value) is not str or "\r" in value or "\n" in value:
            return super().header_store_parse(name, value)
        key = (name.lower(), value)
        header = _PARSED.get(key)
        if header is None:
            if len(_PARSED) >= _REMEMBERED:
                _PARSED.clear()
                _FOLDED.clear()
            header = _PARSED[key] = super().header_store_parse(name, value)[1]
        return (name, header)

    def fold_binary(self, name, value):  # noqa: D102 - as EmailPolicy's
        if _PARSED.get((name.lower(), str(value))) is not value:
            return super().fold_binary(name, value)
        key = (id(value), self.linesep, self.max_line_length, self.utf8, self.cte_type)
        folded = _FOLDED.get(key)
        if folded is None:
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded


#: policy.SMTP (CRLF line ends, RFC 2047 encoding, no CR/LF in header values), faster.
POLICY = _Policy(**policy.SMTP.__dict__).clone(header_factory=_HeaderClasses())

#: The boundary between the text and HTML parts. Both parts are quoted-printable, where "="
#: only starts an escape ("=3D", "=C3", a soft break), so "=_" can never begin a line of
#: either part: one boundary serves every message, and no part has to be searched for it.
_BOUNDARY = f"=_consult_{secrets.token_hex(8)}"


def one_line(text: str | None, limit: int = MAX_HEADER_TEXT) -> str:
    """Return ``text`` as one line: line breaks and control characters become one space.

    RFC 2047 encoded words typed into the text ("=?utf-8?q?...?=") are decoded first, as a
    mail client would show them: Python 3.11's header parser decodes them when the header is
    set and would write a CR/LF hidden inside one onto the wire.
    """
    if not text:
        return ""
    flat = str(text)
    for _round in range(4):
        flat = " ".join(_BREAKS.sub(" ", unicodedata.normalize("NFC", flat)).split())
        if "=?" not in flat:
            break
        flat = _decode_words(flat)
    else:
        flat = " ".join(_BREAKS.sub(" ", flat).split()).replace("=?", "= ?")
    return flat[:limit].rstrip()


def _decode_words(text: str) -> str:
    """Decode the RFC 2047 encoded words in ``text`` (undecodable ones stay as they are)."""
    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeError, HeaderParseError):
        return text.replace("=?", "= ?")


def normalise_address(raw: str | None) -> str | None:
    """Return an address as it can be sent to (domain lower-case, IDN as ASCII), or None.

    Refuses anything with whitespace, control characters, a display name, several "@" or a
    malformed domain: what is stored is exactly one deliverable address or nothing.
    """
    if not raw:
        return None
    text = raw.strip()
    if len(text) > 254 or _BREAKS.search(text) or any(c.isspace() for c in text):
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(local) > 64 or not _LOCAL.match(local):
        return None
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    return f"{local}@{ascii_domain}"


def new_message_id(from_address: str) -> str:
    """Return a new Message-ID in the sending domain."""
    domain = from_address.rpartition("@")[2] or "consult.invalid"
    return make_msgid(domain=domain)


@dataclass(frozen=True)
class Envelope:
    """What a message needs besides its bodies (already one-line and checked when queued)."""

    from_address: str
    from_name: str
    recipient_email: str
    recipient_name: str
    subject: str
    language: str
    message_id: str
    date: datetime
    unsubscribe_url: str | None = None


def build_message(envelope: Envelope, body_text: str, body_html: str | None) -> EmailMessage:
    """Return the message: headers, a text part and (when given) an HTML alternative."""
    message = EmailMessage(policy=POLICY)
    message["From"] = _from_header(envelope.from_name, envelope.from_address)
    message["To"] = _address(envelope.recipient_name, envelope.recipient_email)
    message["Subject"] = one_line(envelope.subject, 300)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    # Tells auto-responders (out-of-office) not to answer automatic mail (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    if envelope.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        # One click from the mail client, by POST, without a page (RFC 8058).
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body_text, cte="quoted-printable")
    if body_html:
        message.make_alternative(boundary=_BOUNDARY)
        message.add_alternative(body_html, subtype="html", cte="quoted-printable")
    # After the parts: setting the content drops every Content-* header set before.
    message["Content-Language"] = envelope.language
    return message


def _from_header(name: str, address: str) -> Any:
    """The From header, parsed once per sender (it is the same on every message)."""
    header = _SENDERS.get((name, address))
    if header is None or _PARSED.get(("from", str(header))) is not header:
        if len(_PARSED) >= _REMEMBERED:
            _PARSED.clear()
            _FOLDED.clear()
        header = POLICY.header_factory("From", _address(name, address))
        _SENDERS[(name, address)] = _PARSED[("from", str(header))] = header
    return header


def _address(name: str, address: str) -> Address:
    local, _at, domain = address.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)
