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
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

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


#: policy.SMTP (CRLF line ends, RFC 2047 encoding, no CR/LF in header values), faster.
POLICY = policy.SMTP.clone(header_factory=_HeaderClasses())


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
    message["From"] = _address(envelope.from_name, envelope.from_address)
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
        message.add_alternative(body_html, subtype="html", cte="quoted-printable")
    # After the parts: setting the content drops every Content-* header set before.
    message["Content-Language"] = envelope.language
    return message


def _address(name: str, address: str) -> Address:
    local, _at, domain = address.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)
