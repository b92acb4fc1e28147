"""A real SMTP server (aiosmtpd) for the mail tests, recording what it accepts, and helpers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from tests.ports import free_port  # noqa: F401 - re-exported for the mail tests


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    recipients: list[str]
    data: bytes
    #: Whether the session was encrypted (STARTTLS or implicit TLS), and who logged in.
    tls: bool = False
    login: str | None = None

    @property
    def message(self) -> EmailMessage:
        """The message parsed as a mail client would."""
        return BytesParser(policy=policy.default).parsebytes(self.data)


@dataclass
class Recorder:
    """An aiosmtpd handler: records messages; replies as told for given recipients."""

    received: list[Received] = field(default_factory=list)
    #: recipient -> replies to give to RCPT, in turn (then accept).
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    #: Seconds to wait before accepting each message's data.
    data_delay: float = 0.0
    #: Subjects whose message is recorded and then answered only after this long (seconds):
    #: the server has the message, the sender does not know yet.
    hold_after: dict[str, float] = field(default_factory=dict)
    #: Replies to give to MAIL FROM, in turn (then accept): e.g. a "421" closing the channel.
    mail_replies: list[str] = field(default_factory=list)
    #: Connections opened (EHLO seen; counted again after STARTTLS, as clients say it again).
    ehlo_count: int = 0
    #: Offer PIPELINING (RFC 2920), as Postfix, Exim and the hosted relays do. aiosmtpd reads
    #: commands from a stream, one after the other, so it takes them in groups without it.
    pipelining: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.ehlo_count += 1
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        with self.lock:
            reply = self.mail_replies.pop(0) if self.mail_replies else None
        if reply:
            if reply.startswith("421"):
                # What a server capping messages per connection does: say so, then hang up.
                server.transport.write(f"{reply}\r\n".encode())
                server.transport.close()
                return "421 closing"
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            replies = self.rcpt_replies.get(address)
            reply = replies.pop(0) if replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        login = str(session.auth_data) if session.authenticated else None
        item = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            envelope.original_content,
            # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
            tls=session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            login=login,
        )
        with self.lock:
            self.received.append(item)
        hold = self.hold_after.get(str(item.message["Subject"]))
        if hold:
            await asyncio.sleep(hold)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed."""
        with self.lock:
            return [item.message for item in self.received]


@dataclass
class SmtpServer:
    """A running aiosmtpd server."""

    host: str
    port: int
    recorder: Recorder

    def config(self, **overrides) -> dict:
        """App settings that send through this server."""
        return {
            "MAIL_HOST": self.host,
            "MAIL_PORT": self.port,
            "MAIL_SECURITY": "none",
            "MAIL_FROM": "consult@cisdp.test",
            "MAIL_TIMEOUT": 2,
            **overrides,
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Start an SMTP server on a free port for one test."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()


@pytest.fixture(params=[False, True], ids=["one-command-at-a-time", "pipelining"])
def smtp(request, smtp_server: SmtpServer) -> SmtpServer:
    """The SMTP server, once reading one command at a time and once offering PIPELINING."""
    smtp_server.recorder.pipelining = request.param
    return smtp_server


@pytest.fixture
def hanging_server() -> Iterator[tuple[str, int]]:
    """A server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stopping.is_set():
            with contextlib.suppress(OSError):
                connection, _ = listener.accept()
                held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()
    finally:
        stopping.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def sender_process(app, *args: str, **settings) -> subprocess.Popen:
    """Start `consult mail send ARGS` on the app's database, as its own process."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONSULT_")}
    env.update(
        {
            "CONSULT_INSTANCE_PATH": app.instance_path,
            "CONSULT_DATABASE_URL": app.config["DATABASE_URL"],
            "CONSULT_SECRET_KEY": app.config["SECRET_KEY"],
        }
    )
    env.update({f"CONSULT_{key}": str(value) for key, value in settings.items()})
    code = "from consult.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "mail", "send", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, timeout: float = 10.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def sign_in(app, client, role: str) -> str:
    """Create a staff member of ``role`` on this app's database and sign ``client`` in."""
    from consult.db import db, writing
    from consult.staff.operations import create_user
    from tests.conftest import STAFF_PASSWORD, csrf_token

    email = f"{role}-{id(client)}@cisdp.test"
    with app.app_context(), writing():
        create_user(db.session, email, role, STAFF_PASSWORD, one_time=False)
        db.commit()
    page = client.get("/staff/login").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": STAFF_PASSWORD},
    )
    assert reply.status_code == 302
    return email


def invite(app, rows) -> list[int]:
    """Create invitations from (name, country, email, language) rows; return their ids."""
    from sqlalchemy import select

    from consult.db import db, writing
    from consult.staff import invitations
    from consult.staff.models import User

    with app.app_context(), writing():
        user = db.session.scalar(select(User).order_by(User.id))
        parsed = [
            invitations.ParsedInvitation(i + 2, name, country, address, None, language)
            for i, (name, country, address, language) in enumerate(rows)
        ]
        created = invitations.create_invitations(
            db.session, parsed, user, invitations.INVITATION_QUESTIONNAIRE
        )
        db.commit()
        return [invitation.id for invitation in created]
