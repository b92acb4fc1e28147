"""How a message leaves: over SMTP (STARTTLS, TLS, login; one kept connection) or into a file.

The sender (consult/mail/sender.py) hands each message here and learns, by the exception
raised, whether to retry it (TemporaryFailure), give it up (PermanentFailure) or stop sending
altogether (LoginRefused: a setting to fix, not a message's fault).
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
from typing import TYPE_CHECKING, Any

from consult.db import utcnow
from consult.mail.models import OutboxMessage

if TYPE_CHECKING:
    from consult.mail.sender import Settings

log = logging.getLogger("consult.mail")


class TemporaryFailure(Exception):
    """Try again later. ``connection`` says the whole connection is unusable."""

    def __init__(self, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.connection = connection
        #: The server dropped a connection that had worked (worth one new connection at once).
        self.dropped = False


class PermanentFailure(Exception):
    """The server refused this message for good (5xx)."""


class LoginRefused(Exception):
    """The SMTP server refused our login (or offers none): a setting to fix, not a message."""


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The TLS context for the server: verified against the system's CAs (or MAIL_TLS_CA_FILE).

    Only MAIL_TLS_VERIFY=false turns verification off (a test server with a self-signed
    certificate); the sender logs a warning when it starts that way.
    """
    context = ssl.create_default_context(cafile=settings.tls_ca_file)
    if not settings.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


#: Errors saying the connection dropped under a message (as opposed to a refusal or a timeout).
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError)


class SmtpTransport:
    """One SMTP connection, opened on first use and kept across batches; every step times out."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                connection = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=tls_context(s)
                )
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=tls_context(s))
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password or "")
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            _drop(connection)
            if isinstance(exc, smtplib.SMTPAuthenticationError) and exc.smtp_code < 500:
                raise TemporaryFailure(f"SMTP login: {_describe(exc)}", True) from exc
            raise LoginRefused(
                f"SMTP login refused by {s.host}:{s.port}: {_describe(exc)}; check "
                "CONSULT_MAIL_USERNAME, CONSULT_MAIL_PASSWORD and CONSULT_MAIL_SECURITY, "
                "then restart the sender"
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            _drop(connection)
            raise TemporaryFailure(
                f"the certificate of {s.host}:{s.port} did not verify: {exc.verify_message}",
                True,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _drop(connection)
            raise TemporaryFailure(
                f"cannot reach {s.host}:{s.port}: {_describe(exc)}", True
            ) from exc
        return connection

    def send(self, message: OutboxMessage, data: bytes) -> None:
        """Hand one message to the server; raise TemporaryFailure or PermanentFailure.

        A kept connection the server has dropped since (an idle timeout, a cap on messages per
        connection: a 421 reply or a reset) is opened again once for the same message.
        """
        reused = self.connection is not None
        if self.connection is None:
            self.connection = self._connect()
        try:
            self._send(message, data)
        except TemporaryFailure as exc:
            if not (reused and exc.connection and exc.dropped):
                raise
            log.info("mail: the SMTP connection was dropped (%s); opening a new one", exc)
            self.connection = self._connect()
            self._send(message, data)

    def _send(self, message: OutboxMessage, data: bytes) -> None:
        try:
            refused = self.connection.sendmail(
                self.settings.from_address, [message.recipient_email], data
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise self._by_code(code, reply) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise self._by_code(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            failure = TemporaryFailure(_describe(exc), True)
            failure.dropped = isinstance(exc, _DROPPED)
            raise failure from exc
        if refused:  # only possible with several recipients; kept for safety
            code, reply = next(iter(refused.values()))
            raise self._by_code(code, reply)

    def _by_code(self, code: int, reply: Any) -> Exception:
        failure = _by_code(code, reply)
        if int(code) == 421:  # "closing the channel": smtplib has closed it already
            self.close()
            failure = TemporaryFailure(str(failure), True)
            failure.dropped = True
        return failure

    def close(self) -> None:
        """Say goodbye, or just drop the connection if it is already broken."""
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.quit()
            _drop(connection)


def _drop(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


class FileTransport:
    """Without an SMTP server: each message becomes a .eml file in the instance folder, readable
    by its owner only (staff read them through /staff/mail, their secret links redacted)."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.folder

    def send(self, message: OutboxMessage, data: bytes) -> None:
        """Write the message whole (a temporary file renamed into place)."""
        # Private, like the instance folder: a message may hold a personal or password link.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        target = self.folder / f"{stamp}-{message.id:08d}-{message.kind}.eml"
        partial = target.with_suffix(".part")
        try:
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
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


def transport_for(settings: Settings) -> SmtpTransport | FileTransport:
    """SMTP when MAIL_HOST is set, files otherwise."""
    return SmtpTransport(settings) if settings.host else FileTransport(settings)
