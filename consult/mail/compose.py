"""Well-formed messages: the one place addresses, names and subjects become headers.

Headers are made with the standard library's ``email`` package (its header registry under
``policy.SMTP``): it encodes non-ASCII names and subjects (RFC 2047), folds long lines and
refuses a header value holding CR or LF. Before that last guard is ever reached, every text
that goes into a header passes through ``one_line`` (and addresses through
``normalise_address``) when the message is queued, so a name or subject typed with line breaks
becomes one harmless line instead of an error or an injected header.

``message_bytes`` writes the message as it goes on the wire, CRLF line ends, 7-bit. Only values
of a plain shape the platform makes or checks itself (the date, the Message-ID, the link, a
plain address) are written without the header registry, which parses and folds each value in
pure Python; a recipient's name is encoded by ``email.header.Header`` when it fits on the line,
by the registry otherwise; the headers that repeat (From, Subject, ...) are folded once. A
message is always the same shape (a text part, and an HTML alternative when there is one,
UTF-8 and quoted-printable), so it is laid out here and its bodies are encoded by
``binascii.b2a_qp`` (C) instead of the email package's generator and encoder. An invitation
takes 0.1 ms to build, from 1.2 ms with EmailMessage.as_bytes, which was most of the sender's
work per message (see consult/mail/sender.py, benchmarks/mail_speed.py). ``build_message``
returns the same bytes parsed, for whoever wants the message as an object.
"""

from __future__ import annotations

import binascii
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.header import Header, decode_header, make_header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from typing import Any

#: Header texts are cut to this length (a subject is read in one glance).
MAX_HEADER_TEXT = 200

#: Characters that end a line somewhere (CR, LF, VT, FF, NEL, LS, PS) and other controls.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
#: Runs of breaking white space, folded to one space; the no-break spaces of French typography
#: ("Invitation\u00a0: ...") and of numbers stay.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
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


#: policy.SMTP: CRLF line ends, RFC 2047 encoding, no CR or LF in a header value.
POLICY = policy.SMTP.clone(header_factory=_HeaderClasses())

#: Header lines already folded, by (name, value): most headers of a batch repeat (From, the
#: Subject of each language, Content-Language, ...). Bounded, for the values that do not.
_LINES: dict[tuple[str, Any], bytes] = {}
_REMEMBERED = 256

#: Values the sender makes itself or has checked when queueing, written as they are (instead
#: of through POLICY) when they have a plain shape: a Message-ID or a link in angle brackets,
#: printable ASCII without space or brackets inside; a display name of plain words (atext,
#: RFC 5322) and a dot-atom address (as normalise_address keeps them).
_BRACKETED = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")
_WORDS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+( [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)
#: The length a header line should keep to, and the one it must (RFC 5322, 2.1.1).
_LINE, _MAX_LINE = 78, 998

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
        flat = _spaces_folded(unicodedata.normalize("NFC", flat))
        if "=?" not in flat:
            break
        flat = _decode_words(flat)
    else:
        flat = _spaces_folded(flat).replace("=?", "= ?")
    return flat[:limit].rstrip()


def _spaces_folded(text: str) -> str:
    return _SPACES.sub(" ", _BREAKS.sub(" ", text)).strip()


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


def message_bytes(envelope: Envelope, body_text: str, body_html: str | None) -> bytes:
    """Return the message as it goes on the wire: headers, a text part and (when given) an HTML
    alternative, CRLF line ends, 7-bit (headers RFC 2047-encoded, bodies quoted-printable)."""
    head = _head(envelope)
    text = _TEXT_PART + _quoted_printable(body_text)
    if not body_html:
        return head + _MIME_VERSION + text
    html = _HTML_PART + _quoted_printable(body_html)
    boundary = _BOUNDARY.encode("ascii")
    return b"".join(
        (
            head,
            _MIME_VERSION,
            b'Content-Type: multipart/alternative; boundary="%s"\r\n\r\n' % boundary,
            b"--%s\r\n" % boundary,
            text,
            b"\r\n--%s\r\n" % boundary,
            html,
            b"\r\n--%s--\r\n" % boundary,
        )
    )


def build_message(envelope: Envelope, body_text: str, body_html: str | None) -> EmailMessage:
    """Return the message of ``message_bytes`` as an EmailMessage (parsed from those bytes)."""
    data = message_bytes(envelope, body_text, body_html)
    return BytesParser(policy=POLICY).parsebytes(data)


_MIME_VERSION = b"MIME-Version: 1.0\r\n"
_TEXT_PART = (
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)
_HTML_PART = (
    b'Content-Type: text/html; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def _head(envelope: Envelope) -> bytes:
    """The header lines. Every text anyone typed (names, subject) goes through POLICY, which
    encodes and folds it and refuses CR or LF; only values of a known plain shape are written
    as they are (see _BRACKETED, _WORDS, PLAIN_ADDRESS), and anything else goes through POLICY."""
    lines = [
        _line("From", (envelope.from_name, envelope.from_address)),
        _to(envelope.recipient_name, envelope.recipient_email),
        _line("Subject", one_line(envelope.subject, 300)),
        b"Date: %s\r\n" % format_datetime(envelope.date).encode("ascii"),
        _bracketed("Message-ID", envelope.message_id),
        # Tells auto-responders (out-of-office) not to answer automatic mail (RFC 3834).
        b"Auto-Submitted: auto-generated\r\n",
    ]
    if envelope.unsubscribe_url:
        lines.append(_bracketed("List-Unsubscribe", f"<{envelope.unsubscribe_url}>"))
        # One click from the mail client, by POST, without a page (RFC 8058).
        lines.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    lines.append(_line("Content-Language", envelope.language))
    return b"".join(lines)


def _folded(name: str, value: Any) -> bytes:
    """One header line as POLICY parses (refusing CR and LF), encodes and folds it."""
    if isinstance(value, tuple):  # (display name, address)
        value = _address(*value)
    return POLICY.fold_binary(name, POLICY.header_store_parse(name, value)[1])


def _line(name: str, value: Any) -> bytes:
    """_folded, remembered for the values that repeat from message to message."""
    key = (name, value)
    folded = _LINES.get(key)
    if folded is None:
        if len(_LINES) >= _REMEMBERED:
            _LINES.clear()
        folded = _LINES[key] = _folded(name, value)
    return folded


def _bracketed(name: str, value: str) -> bytes:
    """A header of one token in angle brackets (a Message-ID, a link): as it is when plain,
    on a line of its own after the name when it is too long to follow it (as POLICY folds)."""
    if _BRACKETED.fullmatch(value):
        if len(name) + 2 + len(value) <= _LINE:
            return b"%s: %s\r\n" % (name.encode("ascii"), value.encode("ascii"))
        if 1 + len(value) <= _MAX_LINE:
            return b"%s:\r\n %s\r\n" % (name.encode("ascii"), value.encode("ascii"))
    return _folded(name, value)


def _to(name: str, address: str) -> bytes:
    """The To header: a name of plain words as it is, any other name as RFC 2047 encoded words
    (email.header.Header: a tenth of the header registry's time, which parsed the name in pure
    Python), the address as it is; an address of another shape, through POLICY."""
    name = one_line(name)
    if not PLAIN_ADDRESS.fullmatch(address):
        return _folded("To", (name, address))
    if not name:
        phrase = ""
    elif _WORDS.fullmatch(name) and "=?" not in name:
        phrase = name
    else:
        # Every character but letters, digits and "-!*+/" encoded (or base64): nothing in it
        # is special in a display name, and no line break of the name can remain.
        phrase = Header(name, "utf-8", header_name="To").encode(linesep="\r\n")
    if "\r\n" in phrase or len(phrase) + 4 > _LINE:
        # Too long for one line: POLICY folds it (cutting encoded words where it can).
        return _folded("To", (name, address))
    if not phrase:
        return b"To: %s\r\n" % address.encode("ascii")
    space = " " if len(phrase) + 7 + len(address) <= _LINE else "\r\n "
    return f"To: {phrase}{space}<{address}>\r\n".encode("ascii")


def _quoted_printable(body: str) -> bytes:
    """A body as UTF-8 quoted-printable lines (RFC 2045), each ended by CRLF.

    Line breaks are CR, LF or CRLF, as the email package reads them (other separators, such as
    U+2028, stay characters and are encoded); a body that is not empty ends with a line break.
    b2a_qp keeps lines under 77 characters with soft breaks and encodes "=", every byte outside
    printable ASCII and the spaces that end a line: no bare CR or LF is left to reach the wire.
    """
    lines = body.encode("utf-8").splitlines()
    if not lines:
        return b""
    encoded = binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True)
    return encoded.replace(b"\n", b"\r\n")


def _address(name: str, address: str) -> Address:
    local, _at, domain = address.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)
