"""Request ids and structured log lines that carry no secret and no personal data.

Every request gets an id (the proxy's X-Request-ID when it sends a sane one, otherwise a fresh
one), echoed in the response header and attached to every log record written while the request
runs. The access line itself is written by the server (gunicorn, see consult.serving) from what
this module leaves in the WSGI environ: the path with its secrets redacted, and the id.

What a log line never holds: the resume token (it opens a respondent's answers) or any other
token-shaped path segment, the query string, the client address, the user agent or referrer,
form data. Only method, redacted path, status, size, duration, request id and worker. An
exception is logged as its type and where it happened (safe_traceback), never its message, which
may quote SQL parameters or form content.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import time
import traceback
from typing import Any

from flask import Flask, g, has_request_context, request

#: Keys this module leaves in the WSGI environ for the access logger.
ENVIRON_REQUEST_ID = "consult.request_id"
ENVIRON_LOG_PATH = "consult.log_path"
REDACTED = "<redacted>"

#: An incoming X-Request-ID is honoured only if it looks like an id (it is written to logs).
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: URL variables whose value is a secret: the resume token and any other *token.
_SECRET_VARIABLE_RE = re.compile(r"(^|_)token$")
#: The first segment after these prefixes is a secret link, whatever it looks like.
_SECRET_PREFIXES = frozenset({"r", "i"})
#: A token-shaped segment: long, of the URL-safe alphabet, and mixing letters and digits or
#: both cases (our slugs are lowercase words: local-governments, charter_experience).
_TOKEN_SHAPED_RE = re.compile(r"[A-Za-z0-9_\-=~%]{16,}\Z")
_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"))
#: A variable of a URL rule, <name> or <converter:name>: the whole of it, then its name.
_RULE_VARIABLE_RE = re.compile(r"(<(?:[^:<>]+:)?([^<>]+)>)")


def new_request_id() -> str:
    """Return a fresh request id (96 random bits, URL-safe)."""
    return secrets.token_urlsafe(12)


def incoming_request_id(value: str | None) -> str:
    """Return the proxy's request id if it is well formed, otherwise a fresh one."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return new_request_id()


def redact_path(path: str, rule: str | None = None, view_args: dict[str, Any] | None = None) -> str:
    """Return ``path`` with every secret replaced by ``<redacted>``, whatever the status.

    With the matched URL rule (e.g. ``/r/<token>/s/<section_key>``) the secret variables are found
    by name; then, matched or not, every segment is redacted that looks like a token: the one
    after /r/ or /i/, and any long random-looking one (see is_token_shaped).
    """
    if rule is not None and view_args:
        pieces = _rule_pieces(rule)
        shown = [pieces[0]]
        for i in range(1, len(pieces), 3):
            placeholder, name, after = pieces[i : i + 3]
            if name not in view_args:
                shown.append(placeholder)
            elif is_secret_variable(name):
                shown.append(REDACTED)
            else:
                shown.append(str(view_args[name]))
            shown.append(after)
        path = "".join(shown)
    segments = path.split("/")
    for n, segment in enumerate(segments):
        if segment == REDACTED or not segment:
            continue
        if (n == 2 and segments[1] in _SECRET_PREFIXES) or is_token_shaped(segment):
            segments[n] = REDACTED
    return "/".join(segments)


def is_secret_variable(name: str) -> bool:
    """Tell whether a URL rule's variable holds a secret (the resume token, any *token)."""
    return bool(_SECRET_VARIABLE_RE.search(name))


def is_token_shaped(segment: str) -> bool:
    """Tell whether a path segment looks like a random token (long, mixed, URL-safe).

    A signed token (itsdangerous: payload.timestamp.signature, the password and unsubscribe
    links) is made of pieces joined by dots: it is token-shaped if one of its pieces is. A file
    name such as ``consult.11a8ac877a.css`` is not (no piece is long and mixed).
    """
    return any(_is_token_piece(piece) for piece in segment.split("."))


def _is_token_piece(piece: str) -> bool:
    if not _TOKEN_SHAPED_RE.match(piece):
        return False
    if len(piece) >= 32:
        return True
    return sum(1 for pattern in _CLASSES if pattern.search(piece)) >= 2


#: An absolute http(s) address in a text (an e-mail's text or HTML, a header).
_URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]]+")


def redact_urls(text: str) -> str:
    """Return ``text`` with the secret of every http(s) address in it redacted (redact_path).

    For what staff read of a message the app sent (a personal link, an invitation, a
    password link, an unsubscribe link): a secret link shown to staff would let them act as
    its holder. Text outside addresses is left as it is.
    """
    return _URL_RE.sub(_redact_url, text)


def _redact_url(match: re.Match[str]) -> str:
    url = match.group(0)
    scheme, rest = url.split("://", 1)
    host, slash, path = rest.partition("/")
    if not slash:
        return url
    cut = min((i for i in (path.find("?"), path.find("#")) if i >= 0), default=len(path))
    return f"{scheme}://{host}{redact_path('/' + path[:cut])}{path[cut:]}"


#: A path in a log message (gunicorn quotes the request line it could not parse).
_PATH_IN_TEXT_RE = re.compile(r"/[^\s'\"<>]+")
#: A run of the URL-safe alphabet inside such a path (split at quotes, escapes, dots).
_RUN_RE = re.compile(r"[A-Za-z0-9_\-=~%]{16,}")
#: gunicorn's "Invalid request from ip=203.0.113.9:" (a client address).
_CLIENT_ADDRESS_RE = re.compile(r"\bip=[^\s]+?(?=:?\s|:?$)")


#: An e-mail address (a mail server's refusal quotes the recipient's: personal data).
_EMAIL_ADDRESS_RE = re.compile(r"[^\s<>()\[\]\"',;:@]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact_text(text: str) -> str:
    """Return a log message without secrets or personal data: client addresses, e-mail
    addresses, and every token-shaped run in any path it quotes (whatever surrounds it: an
    escape, a quote, a missing route)."""
    text = _CLIENT_ADDRESS_RE.sub("ip=" + REDACTED, text)
    text = _EMAIL_ADDRESS_RE.sub(REDACTED, text)
    return _PATH_IN_TEXT_RE.sub(_redact_runs, text)


def _redact_runs(match: re.Match[str]) -> str:
    # A quoted request line shows control characters as escapes (\x01): the path ends there.
    head, escape, tail = match.group(0).partition("\\")
    path = redact_path(head) + escape + tail
    return _RUN_RE.sub(_redact_run, path)


def _redact_run(run: re.Match[str]) -> str:
    return REDACTED if is_token_shaped(run.group(0)) else run.group(0)


@functools.lru_cache(maxsize=512)
def _rule_pieces(rule: str) -> tuple[str, ...]:
    """Split a URL rule once: text, then (placeholder, variable name, text) for each variable."""
    return tuple(_RULE_VARIABLE_RE.split(rule))


def current_log_path() -> str:
    """Return the redacted path of the current request."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    view_args = request.view_args
    if rule is None or not view_args:
        return redact_path(request.path, rule, view_args)
    # A matched rule's path is rebuilt from the rule and its values (see redact_path): the
    # same rule with the same values not secret is the same line, a secret's value plays no
    # part. Redacted once per such pair (the values of every resume link's page are few).
    secret = _secret_variables(rule)
    return _redacted_rule_path(
        rule,
        tuple((name, None if name in secret else str(value)) for name, value in view_args.items()),
    )


@functools.lru_cache(maxsize=512)
def _secret_variables(rule: str) -> frozenset[str]:
    """Return the variables of a URL rule that hold a secret."""
    return frozenset(name for name in _rule_pieces(rule)[2::3] if is_secret_variable(name))


@functools.lru_cache(maxsize=2048)
def _redacted_rule_path(rule: str, values: tuple[tuple[str, str | None], ...]) -> str:
    """redact_path of a matched rule, given its values (None for a secret, never looked at)."""
    return redact_path("", rule, {name: value or "" for name, value in values})


class RequestIdFilter(logging.Filter):
    """Attach the current request's id to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"  # type: ignore[attr-defined]
        return True


def safe_traceback(exc_info: Any) -> str:
    """Return a traceback with where each error happened and its type, never its message.

    An exception's message may quote SQL parameters (a database driver's DETAIL says which
    value broke a constraint), form content or a token: none of it is written to a log.
    """
    _type, error, _tb = exc_info
    lines: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        lines.extend(f"  {f.filename}:{f.lineno} in {f.name}" for f in frames)
        lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message not logged)")
        error = error.__cause__ or error.__context__
        if error is not None:
            lines.append("while handling or caused by:")
    return "Traceback (most recent call last):\n" + "\n".join(lines)


class SafeExceptionFilter(logging.Filter):
    """Replace a record's exception by safe_traceback (types and places, no messages)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)
            record.exc_info = None
        return True


#: The client address that opens a line of Werkzeug's development server ("127.0.0.1 - - [").
_DEV_SERVER_ADDRESS_RE = re.compile(r"^\S+(?= - - \[)")


class RedactingFilter(logging.Filter):
    """Rewrite a record's message as redact_text leaves it, without its client address.

    For loggers whose lines are not written by JsonFormatter: Werkzeug's development server
    (``consult run``) logs every request line, the resume token of a personal link and the
    client's address included, in plain text to the terminal.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = _DEV_SERVER_ADDRESS_RE.sub(REDACTED, record.getMessage(), count=1)
        record.msg = redact_text(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """Write each record as one JSON object on one line."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return safe_traceback(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            # Every JSON line (the app's and gunicorn's) passes here: the one redaction.
            "message": redact_text(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        for key in ("event", "method", "path", "status", "duration_ms", "bytes", "worker"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def init_app(app: Flask) -> None:
    """Give every request an id, echo it in X-Request-ID and leave a redacted path for logs."""

    @app.before_request
    def assign_request_id() -> None:
        request_id = incoming_request_id(request.headers.get("X-Request-ID"))
        g.request_id = request_id
        request.environ[ENVIRON_REQUEST_ID] = request_id

    @app.after_request
    def echo_request_id(response):
        request_id = g.get("request_id") or incoming_request_id(request.headers.get("X-Request-ID"))
        response.headers["X-Request-ID"] = request_id
        request.environ[ENVIRON_REQUEST_ID] = request_id
        request.environ[ENVIRON_LOG_PATH] = current_log_path()
        return response

    request_filter = RequestIdFilter()
    if not any(isinstance(f, RequestIdFilter) for f in app.logger.filters):
        app.logger.addFilter(request_filter)
    if not any(isinstance(f, SafeExceptionFilter) for f in app.logger.filters):
        app.logger.addFilter(SafeExceptionFilter())
    dev_server = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in dev_server.filters):
        dev_server.addFilter(RedactingFilter())
    for handler in logging.getLogger().handlers + app.logger.handlers:
        if not any(isinstance(f, SafeExceptionFilter) for f in handler.filters):
            handler.addFilter(SafeExceptionFilter())

    def log_exception(exc_info: Any) -> None:
        # Flask's own writes the path in clear (a resume token) and the exception's message.
        app.logger.error(
            "unhandled error on %s %s", request.method, current_log_path(), exc_info=exc_info
        )

    app.log_exception = log_exception  # type: ignore[method-assign]
