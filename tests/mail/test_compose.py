"""Messages as built for the wire: headers, encodings, and no header injection, ever."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from consult.mail.compose import (
    Envelope,
    build_message,
    message_bytes,
    normalise_address,
    one_line,
)

INJECTIONS = [
    "Hello\r\nBcc: victim@example.org",
    "Hello\nBcc: victim@example.org",
    "Hello\rBcc: victim@example.org",
    "Hello\r\n\r\n<html>body</html>",
    "Hello\x0bBcc: victim@example.org",
    "Hello\x0cBcc: victim@example.org",
    "Hello\x85Bcc: victim@example.org",
    "Hello\u2028Bcc: victim@example.org",
    "Hello\u2029Bcc: victim@example.org",
    "Hello\x00Bcc: victim@example.org",
    "=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Eorg?=",
    "Hello\r\n Bcc: folded@example.org",
    # Encoded twice: decoding once would leave an encoded word holding the line break.
    "=?utf-8?b?PT91dGYtOD9xP0hlbGxvPTBEPTBBQmNjPTNBX3ZpY3RpbT00MGV4YW1wbGU9MkVvcmc/PQ==?=",
]


def _envelope(**overrides) -> Envelope:
    values = {
        "from_address": "consult@cisdp.test",
        "from_name": "UCLG CISDP",
        "recipient_email": "mayor@city.test",
        "recipient_name": "Mayor",
        "subject": "Subject",
        "language": "en",
        "message_id": "<abc@cisdp.test>",
        "date": datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        "unsubscribe_url": None,
    }
    values.update(overrides)
    return Envelope(**values)


def _wire(envelope: Envelope) -> tuple[bytes, object]:
    data = message_bytes(envelope, "text body", "<p>html body</p>")
    return data, BytesParser(policy=policy.default).parsebytes(data)


def _header_names(data: bytes) -> list[str]:
    head = data.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode().lower()
        for line in head.split(b"\r\n")
        if line and not line[:1].isspace()
    ]


@pytest.mark.parametrize("attack", INJECTIONS)
@pytest.mark.parametrize("where", ["subject", "recipient_name", "from_name"])
def test_no_text_can_inject_a_header(attack: str, where: str) -> None:
    data, parsed = _wire(_envelope(**{where: attack}))
    names = _header_names(data)
    assert "bcc" not in names
    assert sorted(names) == sorted(
        [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "content-language",
            "auto-submitted",
            "content-type",
            "mime-version",
        ]
    )
    assert parsed["Bcc"] is None
    # Each header is one logical line: no bare CR or LF inside a value.
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\n" not in head.replace(b"\r\n", b"") and b"\r" not in head.replace(b"\r\n", b"")
    assert parsed.get_body(("plain",)).get_content().strip() == "text body"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a b"),
        ("  many   spaces\t\there ", "many spaces here"),
        ("line\u2028sep", "line sep"),
        ("x" * 500, "x" * 200),
        (None, ""),
        ("Ville de Genève", "Ville de Genève"),
        ("Cafe\u0301", "Café"),
        # French typography's no-break spaces stay (the subject of a French invitation)
        (
            "Invitation\u00a0: Charte  \u00ab\u00a0ville\u00a0\u00bb",
            "Invitation\u00a0: Charte \u00ab\u00a0ville\u00a0\u00bb",
        ),
        ("12\u202f%\n\u00a0", "12\u202f%"),
    ],
)
def test_one_line(raw, expected) -> None:
    assert one_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mayor@City.TEST", "Mayor@city.test"),
        ("  someone@example.org ", "someone@example.org"),
        ("maire@mairie.français.fr", "maire@mairie.xn--franais-xxa.fr"),
        ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
        ("a@b", None),
        ("no-at-sign.example.org", None),
        ("two@@example.org", None),
        ("a b@example.org", None),
        ("a@example.org\r\nBcc: x@example.org", None),
        ("a@example.org,b@example.org", None),
        ("Name <a@example.org>", None),
        ("a@-bad-.org", None),
        (".a@example.org", None),
        ("", None),
        (None, None),
        ("x" * 65 + "@example.org", None),
    ],
)
def test_normalise_address(raw, expected) -> None:
    assert normalise_address(raw) == expected


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Ville de Genève", "Votre lien personnel\u00a0: Charte-Agenda mondiale"),
        ("Ciudad de México", "Su enlace personal: Carta-Agenda Mundial"),
        ("광주광역시", "광주 인권도시"),
        ("مدينة الرباط", "رابطك الشخصي"),
        ("Москва", "Ваша персональная ссылка"),
        ("東京都", "個人リンク 🔗"),
    ],
)
def test_names_and_subjects_in_any_script_survive_the_round_trip(name, subject) -> None:
    data, parsed = _wire(_envelope(recipient_name=name, subject=subject))
    data.decode("ascii")  # every header is encoded; the wire is 7-bit
    assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == name
    assert parsed["To"].addresses[0].addr_spec == "mayor@city.test"


def test_standard_headers_and_both_parts() -> None:
    url = "https://consult.test/mail/unsubscribe/abc"
    data, parsed = _wire(_envelope(unsubscribe_url=url, language="fr"))
    assert parsed["Message-ID"] == "<abc@cisdp.test>"
    assert parsed["Date"].datetime == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert parsed["Content-Language"] == "fr"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>html body</p>"
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))


#: Bodies that quoted-printable must carry exactly: the wire is 7-bit, lines stay short, and
#: only CR, LF and CRLF are line breaks (as the email package reads a body).
BODIES = [
    "",
    "one line without an end",
    "Ville de Genève\nCiudad de México\n광주 🔗\n",
    "a = b =3D c =\n=\n",
    "trailing spaces   \ntrailing tab\t\nend  ",
    "x" * 1000,
    "é" * 300 + "\n" + "ab " * 200,
    ".\n..\n. leading dot\nFrom the start\n",
    "CRLF\r\nbare CR\rbare LF\nmixed\n\r\n",
    "kept as characters: \u2028 \u2029 \x85 \x0b \x0c \x00 \x7f",
    "=_consult_ looks like the boundary\n--=_consult_\n",
    '<p class="x">«&nbsp;HTML&nbsp;»</p>\n<a href="https://x.test/i/abc?lang=fr">link</a>',
]


def _as_read(body: str) -> str:
    """What a reader of the message gets back: line breaks as LF, one at the end (if any)."""
    lines = body.encode("utf-8").splitlines()
    if not lines:
        return ""
    return (b"\n".join(lines) + b"\n").decode("utf-8")


def _lf(content: str) -> str:
    """The parser keeps the wire's CRLF line ends in what it decodes: LF, as the body had."""
    return content.replace("\r\n", "\n")


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("with_html", [True, False])
def test_bodies_survive_the_wire_exactly(body: str, with_html: bool) -> None:
    html = f"<pre>{body}</pre>" if with_html else None
    data = message_bytes(_envelope(), body, html)
    data.decode("ascii")  # 7-bit
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 78 for line in lines)
    assert b"\r" not in b"".join(lines) and b"\n" not in b"".join(lines)
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert parsed.defects == []
    text = parsed.get_body(("plain",))
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content_charset() == "utf-8"
    assert _lf(text.get_content()) == _as_read(body)
    if with_html:
        assert parsed.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
        assert _lf(parsed.get_body(("html",)).get_content()) == _as_read(html)
    else:
        assert parsed.get_content_type() == "text/plain"
    assert parsed["MIME-Version"] == "1.0" and parsed["Content-Language"] == "en"
    # The object form is the same message.
    assert build_message(_envelope(), body, html).as_bytes() == data


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Municipality 00001",
        "O'Brien-Smith & Co",
        "St. Gallen",
        "Ville de Genève",
        'Quote "me", please',
        "Semicolon; colon: <angle> (paren) [square] back\\slash @at",
        "=?utf-8?q?Hello_World?=",
        "=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Eorg?=",
        "plain " * 20,
        "x" * 90,
        "Tab\there  and   spaces",
    ],
)
@pytest.mark.parametrize("address", ["mayor@city.test", "first.last+tag@sub.example.org"])
def test_the_recipient_header_says_exactly_the_name_and_address(name: str, address: str) -> None:
    """Plain names are written as they are, the others through the email package: a reader
    sees the same name (flattened by one_line) either way, on short lines."""
    data, parsed = _wire(_envelope(recipient_name=name, recipient_email=address))
    [recipient] = parsed["To"].addresses
    assert recipient.display_name == one_line(name)
    assert recipient.addr_spec == address
    head = data.split(b"\r\n\r\n", 1)[0]
    longest_word = max(len(word) for word in f"{name} <{address}>".split())
    assert all(len(line) <= max(78, longest_word + 1) for line in head.split(b"\r\n"))
    assert "bcc" not in _header_names(data)


@pytest.mark.parametrize(
    ("message_id", "url"),
    [
        ("<abc@cisdp.test>", "https://consult.test/mail/unsubscribe/abc"),
        ("<" + "a" * 60 + "@cisdp.test>", "https://consult.test/mail/unsubscribe/" + "T" * 150),
        ("<a.b-c_d@cisdp.test>", "https://consult.test/u/x?lang=fr&a=%20b"),
    ],
)
def test_message_id_and_unsubscribe_link_are_written_whole(message_id: str, url: str) -> None:
    """Whole on the wire: a link too long for one line goes on a line of its own, never cut
    into RFC 2047 encoded words (which the email package would make of it, and which no mail
    client decodes in List-Unsubscribe)."""
    data, parsed = _wire(_envelope(message_id=message_id, unsubscribe_url=url))
    assert f" {message_id}\r\n".encode() in data
    assert f" <{url}>\r\n".encode() in data
    # (The parser keeps the folding space before a value on a line of its own.)
    assert parsed["Message-ID"].strip() == message_id
    assert parsed["List-Unsubscribe"].strip() == f"<{url}>"
    assert parsed.defects == []


@pytest.mark.parametrize(
    "address",
    ["mayor@city.test", "first.last+tag@sub.example.org", "o'neil@x.test", '"quoted local"@x.test'],
)
def test_envelope_addresses_are_quoted_as_smtplib_quotes_them(address: str) -> None:
    import smtplib

    from consult.mail.transports import _quoted

    assert _quoted(address) == smtplib.quoteaddr(address)
