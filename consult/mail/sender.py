"""The sender: delivers the outbox over SMTP (or into .eml files), never inside a request.

It runs as ``consult mail send [--loop]``, as a process ``consult serve`` starts beside
gunicorn, or as a thread of ``consult run`` when CONSULT_MAIL_SEND_IN_BACKGROUND is set.

What it guarantees, with any number of senders on any number of hosts:

- a message is claimed by one sender at a time (see outbox.claim), for a lease of
  MAIL_LEASE seconds; a sender starts a message only while its lease has at least
  ``MAIL_TIMEOUT * 6`` seconds left, so a claim never lapses while it is being sent;
- each delivery is recorded in its own transaction right after the server accepted it;
- if a sender dies, its unsent claimed messages are taken up again when the lease lapses:
  nothing is lost. The one message whose delivery the server had accepted but the sender had
  not recorded yet is sent again (at most one per dead sender, with the same Message-ID, which
  mail clients use to show it once). Nothing else is ever sent twice.

Temporary failures (4xx replies, connection errors, timeouts) are retried with doubling delays
up to MAIL_MAX_ATTEMPTS; permanent ones (5xx) fail at once, with the server's reply kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from consult.db import utcnow
from consult.mail import outbox
from consult.mail.compose import Envelope, build_message
from consult.mail.models import OutboxMessage

log = logging.getLogger("consult.mail")

SECURITY_MODES = ("starttls", "tls", "none")


class TemporaryFailure(Exception):
    """Try again later. ``connection`` says the whole connection is unusable."""

    def __init__(self, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.connection = connection


class PermanentFailure(Exception):
    """The server refused this message for good (5xx)."""


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
    timeout: float
    batch_size: int
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
        return cls(
            host=config["MAIL_HOST"] or None,
            port=int(config["MAIL_PORT"] or default_port),
            security=security,
            username=config["MAIL_USERNAME"] or None,
            password=config["MAIL_PASSWORD"] or None,
            from_address=config["MAIL_FROM"],
            from_name=config["MAIL_FROM_NAME"],
            timeout=float(config["MAIL_TIMEOUT"]),
            batch_size=int(config["MAIL_BATCH_SIZE"]),
            lease_s=float(config["MAIL_LEASE"]),
            poll_s=float(config["MAIL_POLL_INTERVAL"]),
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            retry_base_s=float(config["MAIL_RETRY_BASE"]),
            retry_max_s=float(config["MAIL_RETRY_MAX"]),
            keep_days=float(config["MAIL_KEEP_DAYS"]),
            folder=Path(config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail"),
        )

    @property
    def margin_s(self) -> float:
        """Lease time a message must have left to be started (a slow server's worst case)."""
        return self.timeout * 6


class SmtpTransport:
    """One SMTP connection per batch, opened on first use; every operation has a timeout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(
                f"cannot reach {s.host}:{s.port}: {_describe(exc)}", True
            ) from exc
        return connection

    def send(self, message: OutboxMessage, data: bytes) -> None:
        """Hand one message to the server; raise TemporaryFailure or PermanentFailure."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            refused = self.connection.sendmail(
                self.settings.from_address, [message.recipient_email], data
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, reply) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(_describe(exc), True) from exc
        if refused:  # only possible with several recipients; kept for safety
            code, reply = next(iter(refused.values()))
            raise _by_code(code, reply)

    def close(self) -> None:
        """Say goodbye, or just drop the connection if it is already broken."""
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.quit()
            with contextlib.suppress(OSError):
                connection.close()


class FileTransport:
    """Without an SMTP server: each message becomes a .eml file in the instance folder."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.folder

    def send(self, message: OutboxMessage, data: bytes) -> None:
        """Write the message whole (a temporary file renamed into place)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        target = self.folder / f"{stamp}-{message.id:08d}-{message.kind}.eml"
        partial = target.with_suffix(".part")
        try:
            partial.write_bytes(data)
            os.replace(partial, target)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {target.name}: {exc}", True) from exc

    def close(self) -> None:
        """Nothing to close."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(reply: Any) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _by_code(code: int, reply: Any) -> Exception:
    reason = f"{code} {_text(reply)}"
    return PermanentFailure(reason) if 500 <= int(code) < 600 else TemporaryFailure(reason)


def message_bytes(message: OutboxMessage, settings: Settings) -> bytes:
    """Return the message as it goes on the wire."""
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
    return build_message(envelope, message.body_text or "", message.body_html).as_bytes()


def transport_for(settings: Settings) -> SmtpTransport | FileTransport:
    """SMTP when MAIL_HOST is set, files otherwise."""
    return SmtpTransport(settings) if settings.host else FileTransport(settings)


def send_batch(
    session: Session,
    settings: Settings,
    transport=None,
    stop: threading.Event | None = None,
) -> int:
    """Claim one batch and deliver it; return how many messages were tried."""
    token, claimed = outbox.claim(session, settings.batch_size, settings.lease_s)
    if not claimed:
        return 0
    transport = transport or transport_for(settings)
    retry = {
        "max_attempts": settings.max_attempts,
        "base_s": settings.retry_base_s,
        "max_s": settings.retry_max_s,
    }
    tried = 0
    try:
        for position, message in enumerate(claimed):
            lapsing = message.claimed_until - timedelta(seconds=settings.margin_s) < utcnow()
            if lapsing or (stop is not None and stop.is_set()):
                # Stopping, or too little of the lease left to be sure of finishing: give the
                # rest back for the next sender.
                outbox.release(session, claimed[position:], token)
                break
            tried += 1
            try:
                transport.send(message, message_bytes(message, settings))
            except PermanentFailure as exc:
                log.warning("mail %s to recipient refused: %s", message.id, exc)
                outbox.mark_failed(session, message, token, str(exc))
            except TemporaryFailure as exc:
                log.warning("mail %s not sent yet: %s", message.id, exc)
                outbox.mark_temporary_failure(session, message, token, str(exc), **retry)
                if exc.connection:
                    # The server is unreachable: the rest of the batch fails the same way.
                    for rest in claimed[position + 1 :]:
                        outbox.mark_temporary_failure(session, rest, token, str(exc), **retry)
                        tried += 1
                    break
            else:
                if not outbox.mark_sent(session, message, token):
                    log.error("mail %s was sent after its claim lapsed", message.id)
    finally:
        transport.close()
    return tried


def run(
    app: Flask,
    *,
    loop: bool,
    stop: threading.Event | None = None,
    parent_pid: int | None = None,
) -> int:
    """Send until the outbox is empty (or, with ``loop``, until stopped); return how many."""
    settings = Settings.from_app(app)
    stop = stop or threading.Event()
    factory = app.extensions["consult.db"].factory
    total = 0
    last_purge = 0.0
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            break  # the server that started this sender is gone
        tried = 0
        try:
            with app.app_context(), factory() as session:
                tried = send_batch(session, settings, stop=stop)
                if loop and time.monotonic() - last_purge > 3600:
                    outbox.purge(session, utcnow() - timedelta(days=settings.keep_days))
                    from consult.mail.digest import run_for_app

                    run_for_app(app)
                    last_purge = time.monotonic()
        except Exception as error:  # noqa: BLE001 - a loop that serves for months goes on
            if not loop:
                raise
            from consult.core.errors import is_outage

            if is_outage(error):
                # The database is restarting: nothing was lost (claims lapse and are taken
                # up again), so a line says so, not a traceback.
                log.warning(
                    "mail sender: database unavailable (%s); trying again", type(error).__name__
                )
                stop.wait(settings.poll_s)
            else:
                log.exception("mail sender: batch failed")
        total += tried
        if tried == 0:
            if not loop:
                break
            stop.wait(settings.poll_s)
    return total


def start_thread(app: Flask) -> threading.Thread:
    """Run the sender in a daemon thread of this process (for `consult run`)."""
    thread = threading.Thread(
        target=run, args=(app,), kwargs={"loop": True}, name="consult-mail", daemon=True
    )
    thread.start()
    return thread
