"""How a message leaves: over SMTP (STARTTLS, TLS, login; one kept connection) or into a file.

The sender (consult/mail/sender.py) hands each message here and learns, by the exception
raised, whether to retry it (TemporaryFailure), give it up (PermanentFailure) or stop sending
altogether (LoginRefused: a setting to fix, not a message's fault).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from consult.db import utcnow
from consult.mail.compose import PLAIN_ADDRESS
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


class _PatientAtTheEndOfData:
    """An SMTP connection that waits longer for the reply to a message's final dot.

    Until that reply the sender cannot know whether the server has the message: taking a slow
    "250" for a failure would send the message again (RFC 1047's duplicate). RFC 5321
    (4.5.3.2.6) asks clients to wait up to ten minutes there; this one waits
    ``data_end_timeout`` seconds (Settings.data_end_s) for that reply and the usual timeout
    for every other. smtplib's own DATA sends the content ending in the final dot, which marks
    the next reply; a pipelined write that goes on with the next message's commands marks it
    with ``awaiting_data_end``."""

    data_end_timeout: float | None = None
    _data_ended = False

    def awaiting_data_end(self) -> None:
        """The next reply answers a message's final dot."""
        self._data_ended = True

    def send(self, s) -> None:
        super().send(s)
        if isinstance(s, bytes | bytearray) and s.endswith(b"\r\n.\r\n"):
            self._data_ended = True

    def getreply(self):
        if not self._data_ended or self.data_end_timeout is None or self.sock is None:
            return super().getreply()
        self._data_ended = False
        self.sock.settimeout(self.data_end_timeout)
        try:
            return super().getreply()
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


class _Smtp(_PatientAtTheEndOfData, smtplib.SMTP):
    pass


class _SmtpSsl(_PatientAtTheEndOfData, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """One SMTP connection, opened on first use and kept across batches; every step times out."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None
        #: The server takes commands in groups (PIPELINING, RFC 2920): one round trip per
        #: message instead of four.
        self.pipelining = False
        #: The message whose MAIL, RCPT and DATA are on their way (pipelining), if any.
        self.announced: OutboxMessage | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                connection = _SmtpSsl(s.host, s.port, timeout=s.timeout, context=tls_context(s))
            else:
                connection = _Smtp(s.host, s.port, timeout=s.timeout)
            connection.data_end_timeout = s.data_end_s
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=tls_context(s))
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password or "")
            self.pipelining = connection.has_extn("pipelining")
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

    def send(
        self,
        message: OutboxMessage,
        data: bytes,
        meanwhile: Callable[[], None] | None = None,
        following: tuple[OutboxMessage, bytes] | None = None,
    ) -> None:
        """Hand one message to the server; raise TemporaryFailure or PermanentFailure.

        ``following`` is the message the sender will hand over next: with a server that
        takes commands in groups (PIPELINING, RFC 2920), its MAIL, RCPT and DATA go in the
        same write as this message's content, so that each message costs one round trip.
        ``meanwhile`` (which must not raise) is called once while the server reads: the
        sender builds the message after next there.

        A kept connection the server has dropped since (an idle timeout, a cap on messages per
        connection: a 421 reply or a reset) is opened again once for the same message.
        """
        if self.announced is not None and self.announced is not message:
            self.close()  # another message's DATA is open: only a new connection ends it unsent
        reused = self.connection is not None
        if self.connection is None:
            self.connection = self._connect()
        try:
            self._send(message, data, meanwhile, following)
        except TemporaryFailure as exc:
            if not (reused and exc.connection and exc.dropped):
                raise
            log.info("mail: the SMTP connection was dropped (%s); opening a new one", exc)
            self.connection = self._connect()
            self._send(message, data, None, None)

    def _send(
        self,
        message: OutboxMessage,
        data: bytes,
        meanwhile: Callable[[], None] | None,
        following: tuple[OutboxMessage, bytes] | None,
    ) -> None:
        if self.pipelining:
            self._send_pipelined(message, data, meanwhile, following)
            return
        if meanwhile is not None:
            meanwhile()
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

    def _commands(self, message: OutboxMessage, data: bytes) -> bytes:
        """MAIL, RCPT and DATA for one message, as smtplib.sendmail would send them."""
        size = f" SIZE={len(data)}" if self.connection.has_extn("size") else ""
        return (
            f"MAIL FROM:{_quoted(self.settings.from_address)}{size}\r\n"
            f"RCPT TO:{_quoted(message.recipient_email)}\r\n"
            "DATA\r\n"
        ).encode("ascii")

    def _send_pipelined(
        self,
        message: OutboxMessage,
        data: bytes,
        meanwhile: Callable[[], None] | None,
        following: tuple[OutboxMessage, bytes] | None,
    ) -> None:
        """One write per message: its content, then the next message's MAIL, RCPT and DATA.

        Every reply is read, in order, and the first refusal decides the outcome exactly as in
        smtplib.sendmail (the same replies map to the same failures). The content is written
        only after the server has answered DATA with 354, as RFC 2920 requires.
        """
        connection = self.connection
        try:
            if self.announced is None:
                connection.send(self._commands(message, data))
            self.announced = None
            refusal = None
            for accepted in ((250,), (250, 251), (354,)):
                code, reply = connection.getreply()
                if code == 421:
                    raise self._by_code(code, reply)
                if refusal is None and code not in accepted:
                    refusal = (code, reply)
            if refusal is not None:
                if code == 354:
                    # A server that opened DATA with no recipient: end it empty (RFC 2920).
                    connection.send(b".\r\n")
                    connection.getreply()
                # Leave no half transaction behind (as smtplib does after a refusal).
                connection.send(b"RSET\r\n")
                connection.getreply()
                raise self._by_code(*refusal)
            content = _dot_stuffed(data)
            if following is not None:
                content += self._commands(*following)
            connection.send(content)
            connection.awaiting_data_end()
            if following is not None:
                self.announced = following[0]
            if meanwhile is not None:
                meanwhile()
            code, reply = connection.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            failure = TemporaryFailure(_describe(exc), True)
            failure.dropped = isinstance(exc, _DROPPED)
            raise failure from exc
        if code != 250:
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
        announced, self.announced = self.announced, None
        if connection is not None:
            if announced is None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    connection.quit()
            # Else the server may be reading a message's content, and would read QUIT as part
            # of it: a connection closed before the final dot is the one way to leave a
            # message unsent (a server does not deliver a message whose content never ended).
            _drop(connection)


def _quoted(address: str) -> str:
    """An address as MAIL and RCPT take it: smtplib.quoteaddr's result, without its parsing (a
    quarter of the sender's time per message) for a plain address, as the outbox keeps them."""
    if PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _dot_stuffed(data: bytes) -> bytes:
    """The message as the DATA command sends it: leading dots doubled, ended by a lone dot."""
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _drop(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


class FileTransport:
    """Without an SMTP server: each message becomes a .eml file in the instance folder, readable
    by its owner only (staff read them through /staff/mail, their secret links redacted)."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.folder

    def send(
        self,
        message: OutboxMessage,
        data: bytes,
        meanwhile: Callable[[], None] | None = None,
        following: tuple[OutboxMessage, bytes] | None = None,
    ) -> None:
        """Write the message whole (a temporary file renamed into place)."""
        if meanwhile is not None:
            meanwhile()
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
