"""Requests gunicorn itself refuses (malformed or too long, before any application code runs)
are answered like every other response, and logged without their secrets.

gunicorn's own answer quoted the request line back (a resume token included) without any
security header, and its error log wrote the client's address and that request line in clear.
"""

from __future__ import annotations

import json
import logging
import secrets

import pytest

from consult.core.requestlog import JsonFormatter, redact_text
from consult.security import SECURITY_HEADERS
from consult.serving import ConsultWorker, gunicorn_options, refused_request_bytes

TOKEN = secrets.token_urlsafe(24)
SIGNED = "WzEsImE0ZjEyYjM5OGMiLCJyZXNldCJd.axGBSg.E428w7hjXXVCKPj6iwAmGpi3CKw"


#: How gunicorn words a request it refuses, around the client address and the request line.
BAD = "Invalid request from ip="
LINE = ": Invalid HTTP request line: "
HIDDEN = "<redacted>"


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        (
            f"{BAD}203.0.113.9{LINE}'GET /r/{TOKEN}\\x01 HTTP/1.1'",
            f"{BAD}{HIDDEN}{LINE}'GET /r/{HIDDEN}\\x01 HTTP/1.1'",
        ),
        (
            f"{BAD}2001:db8::7{LINE}'GET /campaign/pledge/{TOKEN}\\x00x HTTP/1.1'",
            f"{BAD}{HIDDEN}{LINE}'GET /campaign/pledge/{HIDDEN}\\x00x HTTP/1.1'",
        ),
        (
            f"Error handling request GET /staff/password/set/{SIGNED}",
            f"Error handling request GET /staff/password/set/{HIDDEN}",
        ),
        (
            f"Error handling request /contributions/status/{TOKEN}?x=1",
            f"Error handling request /contributions/status/{HIDDEN}?x=1",
        ),
        (
            f"{BAD}127.0.0.1: Request Line is too large (8192 > 4094)",
            f"{BAD}{HIDDEN}: Request Line is too large (8192 > 4094)",
        ),
        (
            "mail 12 to recipient refused: 550 5.1.1 <Ana.Diop@city.example.org>: Recipient "
            "address rejected",
            f"mail 12 to recipient refused: 550 5.1.1 <{HIDDEN}>: Recipient address rejected",
        ),
        (
            "mail 13 not sent yet: 452 4.2.2 mailbox of maria+consult@ayto.es is full",
            f"mail 13 not sent yet: 452 4.2.2 mailbox of {HIDDEN} is full",
        ),
        ("Booting worker with pid: 30306", None),
        ("Listening at: http://127.0.0.1:5000 (30300)", None),
        ("worker 1234 uses more than 512 MiB: replacing it", None),
        ("unhandled error on GET /questionnaires/local-governments", None),
    ],
)
def test_every_log_message_is_redacted(message, logged):
    assert redact_text(message) == (message if logged is None else logged)
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, message, None, None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == (message if logged is None else logged)


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "Bad Request"), (414, "URI Too Long"), (431, "Request Header Fields Too Large")],
)
def test_a_refused_request_is_answered_with_our_headers_and_nothing_of_it(status, reason, secure):
    raw = refused_request_bytes(status, reason, secure)
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == f"HTTP/1.1 {status} {reason}"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    for name, value in SECURITY_HEADERS:
        assert headers[name] == value
    assert headers["Cache-Control"] == "no-store"
    assert ("Strict-Transport-Security" in headers) is secure
    assert int(headers["Content-Length"]) == len(body)
    assert f"{status} {reason}".encode() in body


def test_consult_serve_runs_the_worker_that_answers_so():
    assert gunicorn_options(bind="127.0.0.1:0", workers=2)["worker_class"] == (
        f"{ConsultWorker.__module__}.{ConsultWorker.__qualname__}"
    )
