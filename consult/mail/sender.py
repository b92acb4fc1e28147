"""The sender: delivers the outbox over SMTP (or into .eml files), never inside a request.

It runs as ``consult mail send [--loop]``, as a process ``consult serve`` starts beside
gunicorn, or as a thread of ``consult run`` when CONSULT_MAIL_SEND_IN_BACKGROUND is set.

What it guarantees, with any number of senders on any number of hosts:

- a message is claimed by one sender at a time (see outbox.claim), for a lease of
  MAIL_LEASE seconds; a sender starts a message only while its lease has at least
  ``MAIL_TIMEOUT * 11`` seconds left (the reply to a message's final dot is awaited five
  timeouts, as RFC 5321 asks clients to be patient there), so a claim never lapses while it
  is being sent;
- outcomes are written together, in one transaction, every MAIL_RECORD_EVERY messages or
  MAIL_RECORD_SECONDS seconds (whichever comes first) and at the end of each batch; an outcome
  is therefore written at the latest when the message after it ends, well inside the lease;
- if a sender dies, its unsent claimed messages are taken up again when the lease lapses:
  nothing is lost. The messages the server had accepted since the dead sender's last write
  are sent again (at most MAIL_RECORD_EVERY of them, or one second's worth, with the same
  Message-ID, which mail clients use to show a message once): SMTP's own at-least-once window,
  widened to that bound. Nothing else is ever sent twice.

Speed: one SMTP connection serves batch after batch while there is mail; with a server that
offers PIPELINING (RFC 2920; Postfix, Exim and the hosted relays do) each message is one write
and one round trip (its content, then the next one's MAIL, RCPT and DATA), and the message
after next is built (compose.message_bytes, 0.1 ms) while the server reads; the
database sees a few short transactions per batch instead of one per message.

Temporary failures (4xx replies, connection errors, timeouts, a certificate that does not
verify) are retried with doubling delays up to MAIL_MAX_ATTEMPTS; permanent ones (5xx) fail at
once, with the server's reply kept. A refused SMTP login is the sender's failure, not the
messages': they stay waiting (their attempt not counted, the reason shown to staff) and the
sender stops logging in until it is restarted with new settings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from consult.core.requestlog import redact_text
from consult.db import utcnow
from consult.mail import outbox
from consult.mail.compose import Envelope
from consult.mail.compose import message_bytes as wire_bytes
from consult.mail.models import OutboxMessage
from consult.mail.transports import (
    LoginRefused,
    PermanentFailure,
    TemporaryFailure,
    transport_for,
)

log = logging.getLogger("consult.mail")

SECURITY_MODES = ("starttls", "tls", "none")


def _flag(value: Any) -> bool:
    """Read a boolean setting that may come from the environment as text."""
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


@dataclass(frozen=True)
class Settings:
    """The sender's settings, read once from the app's configuration."""

    host: str | None
    port: int
    security: str
    username: str | None
    password: str | None
    from_address: str
    from_name: str
    tls_verify: bool
    tls_ca_file: str | None
    timeout: float
    batch_size: int
    record_every: int
    record_s: float
    lease_s: float
    poll_s: float
    max_attempts: int
    retry_base_s: float
    retry_max_s: float
    keep_days: float
    folder: Path

    @classmethod
    def from_app(cls, app: Flask) -> Settings:
        """Read the MAIL_* settings of ``app`` (see consult.mail.DEFAULTS)."""
        config = app.config
        security = str(config["MAIL_SECURITY"]).lower()
        if security not in SECURITY_MODES:
            raise ValueError(f"MAIL_SECURITY must be one of {', '.join(SECURITY_MODES)}")
        default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
        settings = cls(
            host=config["MAIL_HOST"] or None,
            port=int(config["MAIL_PORT"] or default_port),
            security=security,
            username=config["MAIL_USERNAME"] or None,
            password=config["MAIL_PASSWORD"] or None,
            from_address=config["MAIL_FROM"],
            from_name=config["MAIL_FROM_NAME"],
            tls_verify=_flag(config["MAIL_TLS_VERIFY"]),
            tls_ca_file=config["MAIL_TLS_CA_FILE"] or None,
            timeout=float(config["MAIL_TIMEOUT"]),
            batch_size=int(config["MAIL_BATCH_SIZE"]),
            record_every=max(int(config["MAIL_RECORD_EVERY"]), 1),
            record_s=float(config["MAIL_RECORD_SECONDS"]),
            lease_s=float(config["MAIL_LEASE"]),
            poll_s=float(config["MAIL_POLL_INTERVAL"]),
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            retry_base_s=float(config["MAIL_RETRY_BASE"]),
            retry_max_s=float(config["MAIL_RETRY_MAX"]),
            keep_days=float(config["MAIL_KEEP_DAYS"]),
            folder=Path(config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail"),
        )
        if settings.lease_s <= settings.margin_s:
            # No message could ever be started: each claim would be given back at once.
            raise ValueError(
                f"MAIL_LEASE ({settings.lease_s:g} s) must be longer than 11 x MAIL_TIMEOUT "
                f"({settings.margin_s:g} s), the longest a message may take"
            )
        return settings

    @property
    def data_end_s(self) -> float:
        """How long the reply to a message's final dot is awaited: five timeouts (100 s by
        default). Before it the server may have the message already; a failure taken too soon
        would send it twice (see transports._PatientAtTheEndOfData)."""
        return self.timeout * 5

    @property
    def margin_s(self) -> float:
        """Lease time a message must have left to be started (a slow server's worst case: the
        connection, its greeting, TLS and login, the commands, then the end of the data)."""
        return self.timeout * 6 + self.data_end_s


@dataclass(frozen=True)
class _Parts:
    """What building one message needs, as plain values (safe to hand to another thread)."""

    envelope: Envelope
    body_text: str
    body_html: str | None


def _parts(message: OutboxMessage, settings: Settings) -> _Parts:
    envelope = Envelope(
        from_address=settings.from_address,
        from_name=settings.from_name,
        recipient_email=message.recipient_email,
        recipient_name=message.recipient_name,
        subject=message.subject,
        language=message.language,
        message_id=message.message_id,
        date=message.created_at,
        unsubscribe_url=message.unsubscribe_url,
    )
    return _Parts(envelope, message.body_text or "", message.body_html)


def _build(parts: _Parts) -> bytes:
    return wire_bytes(parts.envelope, parts.body_text, parts.body_html)


def message_bytes(message: OutboxMessage, settings: Settings) -> bytes:
    """Return the message as it goes on the wire."""
    return _build(_parts(message, settings))


class _Pending:
    """Outcomes not written yet: written every MAIL_RECORD_EVERY messages or RECORD_SECONDS."""

    def __init__(self, session: Session, token: str, settings: Settings) -> None:
        self.session = session
        self.token = token
        self.settings = settings
        self.retry = outbox.Retry(
            settings.max_attempts, settings.retry_base_s, settings.retry_max_s
        )
        self.outcomes = outbox.Outcomes.empty()
        self.since = time.monotonic()

    def add(self, kind: str, message: OutboxMessage, reason: str = "") -> None:
        """Note one outcome; write them all when enough are waiting or time has passed."""
        if kind == "sent":
            self.outcomes.sent.append(message)
        else:
            getattr(self.outcomes, kind).append((message, reason))
        if (
            len(self.outcomes) >= self.settings.record_every
            or time.monotonic() - self.since >= self.settings.record_s
        ):
            self.write()

    def write(self) -> None:
        """Write the waiting outcomes in one transaction."""
        outcomes, self.outcomes = self.outcomes, outbox.Outcomes.empty()
        self.since = time.monotonic()
        lapsed = outbox.record(self.session, self.token, outcomes, self.retry)
        if lapsed:
            log.error("%d mail outcome(s) written after their claim lapsed", lapsed)


def send_batch(
    session: Session,
    settings: Settings,
    transport=None,
    stop: threading.Event | None = None,
) -> int:
    """Claim one batch and deliver it; return how many messages were tried.

    The batch goes over one connection (``transport``, kept open by the caller between
    batches), each message built while the server reads the commands of the one before it,
    and the outcomes are written together (see _Pending): a few transactions per batch
    instead of one per message.
    """
    token, claimed = outbox.claim(session, settings.batch_size, settings.lease_s)
    if not claimed:
        return 0
    with contextlib.ExitStack() as stack:
        if transport is None:
            transport = transport_for(settings)
            stack.callback(transport.close)
        return _deliver(session, settings, transport, stop, token, claimed)


def _deliver(session, settings, transport, stop, token, claimed) -> int:
    # Each message is built while the server reads the one before (in this thread: a second
    # thread building flat out would hold the GIL each time the server answers, and cost the
    # sending thread more than it saves), two ahead: the transport announces the next one
    # (its size included) in the same write as the current one's content.
    built: dict[int, bytes] = {}

    def data_for(position: int) -> bytes:
        if position not in built:
            built[position] = _build(_parts(claimed[position], settings))
        return built[position]

    def build_ahead(position: int) -> Callable[[], None]:
        def build() -> None:
            if position < len(claimed):
                # A message that cannot be built fails where it is sent, not here (this runs
                # in the middle of the SMTP conversation of another).
                with contextlib.suppress(Exception):
                    data_for(position)

        return build

    def may_start(message: OutboxMessage) -> bool:
        lapsing = message.claimed_until - timedelta(seconds=settings.margin_s) < utcnow()
        return not lapsing and not (stop is not None and stop.is_set())

    pending = _Pending(session, token, settings)
    tried = 0
    try:
        for position, message in enumerate(claimed):
            if not may_start(message):
                # Stopping, or too little of the lease left to be sure of finishing: give the
                # rest back for the next sender (a message already announced to the server
                # is left unsent when the transport is next used or closed).
                pending.write()
                outbox.release(session, claimed[position:], token)
                break
            tried += 1
            following = None
            if position + 1 < len(claimed) and may_start(claimed[position + 1]):
                with contextlib.suppress(Exception):
                    following = (claimed[position + 1], data_for(position + 1))
            try:
                data = data_for(position)
                del built[position]
                transport.send(message, data, build_ahead(position + 2), following)
            except LoginRefused as exc:
                # Nothing is wrong with the messages: they wait, uncounted, with the reason.
                tried -= 1
                pending.write()
                outbox.release(session, claimed[position:], token, reason=str(exc))
                raise
            except PermanentFailure as exc:
                # The server's words may quote the recipient's address: not into the log.
                log.warning("mail %s to recipient refused: %s", message.id, redact_text(str(exc)))
                pending.add("failed", message, str(exc))
            except TemporaryFailure as exc:
                log.warning("mail %s not sent yet: %s", message.id, redact_text(str(exc)))
                pending.add("retried", message, str(exc))
                if exc.connection:
                    # The server is unreachable: the rest of the batch fails the same way.
                    transport.close()
                    for rest in claimed[position + 1 :]:
                        pending.add("retried", rest, str(exc))
                        tried += 1
                    break
            else:
                pending.add("sent", message)
        pending.write()
    except Exception:
        # Whatever went wrong, what was delivered is written: else it would all go again.
        with contextlib.suppress(Exception):
            session.rollback()
            pending.write()
        raise
    return tried


def run(
    app: Flask,
    *,
    loop: bool,
    stop: threading.Event | None = None,
    parent_pid: int | None = None,
) -> int:
    """Send until the outbox is empty (or, with ``loop``, until stopped); return how many.

    One SMTP connection serves batch after batch while there is mail; it is closed when the
    outbox is empty, so an idle sender holds no connection.
    """
    settings = Settings.from_app(app)
    if settings.host and settings.security != "none" and not settings.tls_verify:
        log.warning("MAIL_TLS_VERIFY is off: the certificate of %s is not checked", settings.host)
    stop = stop or threading.Event()
    factory = app.extensions["consult.db"].factory
    total = 0
    last_purge = 0.0
    transport = transport_for(settings)
    try:
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                break  # the server that started this sender is gone
            tried = 0
            try:
                with app.app_context(), factory() as session:
                    tried = send_batch(session, settings, transport, stop)
                    if loop and time.monotonic() - last_purge > 3600:
                        outbox.purge(session, utcnow() - timedelta(days=settings.keep_days))
                        # The maintenance sweep, handed over by create_app (the application
                        # layer: a feature does not import it).
                        sweep = app.extensions.get("consult.sweep")
                        if sweep is not None:
                            sweep(app)
                        from consult.mail.digest import run_for_app

                        run_for_app(app)
                        last_purge = time.monotonic()
            except LoginRefused as exc:
                log.error("mail sender stopped: %s", exc)
                if not loop:
                    raise
                # Logging in again would be refused again (and may lock the account): wait
                # for the stop, the settings can only change with a restart.
                while not stop.wait(settings.poll_s):
                    if parent_pid is not None and os.getppid() != parent_pid:
                        break
                break
            except Exception as error:  # noqa: BLE001 - a loop that serves for months goes on
                transport.close()
                if not loop:
                    raise
                from consult.core.errors import is_outage

                if is_outage(error):
                    # The database is restarting: nothing was lost (claims lapse and are
                    # taken up again), so a line says so, not a traceback.
                    log.warning(
                        "mail sender: database unavailable (%s); trying again",
                        type(error).__name__,
                    )
                    stop.wait(settings.poll_s)
                else:
                    log.exception("mail sender: batch failed")
            total += tried
            if tried == 0:
                transport.close()
                if not loop:
                    break
                stop.wait(settings.poll_s)
    finally:
        transport.close()
    return total


def start_thread(app: Flask) -> threading.Thread:
    """Run the sender in a daemon thread of this process (for `consult run`)."""
    thread = threading.Thread(
        target=run, args=(app,), kwargs={"loop": True}, name="consult-mail", daemon=True
    )
    thread.start()
    return thread
