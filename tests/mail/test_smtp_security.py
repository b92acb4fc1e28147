"""STARTTLS, implicit TLS and SMTP login against aiosmtpd with a throw-away CA (trustme).

The CA is made in the test: its certificate is trusted only through MAIL_TLS_CA_FILE, so the
same server also plays "a certificate that does not verify" (the system's CAs don't know it).
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from consult.mail.models import PENDING, SENT
from consult.mail.sender import LoginRefused, run
from tests.mail.conftest import Recorder, SmtpServer, free_port, wait_for
from tests.mail.test_sender import queue_many, send_once, states

USER, PASSWORD = "consult-sender", "correct horse battery staple"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A certificate authority made for these tests only."""
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The CA's certificate as a PEM file, for MAIL_TLS_CA_FILE."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


class LoginCounter:
    """Checks logins against USER/PASSWORD and counts the connections that tried one.

    (smtplib tries each mechanism the server offers, PLAIN then LOGIN, in one login.)
    """

    def __init__(self) -> None:
        self.sessions: set[int] = set()
        self.lock = threading.Lock()

    @property
    def attempts(self) -> int:
        """Connections on which a login was tried."""
        with self.lock:
            return len(self.sessions)

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        with self.lock:
            self.sessions.add(id(session))
        login, password = auth_data.login.decode(), auth_data.password.decode()
        if (login, password) != (USER, PASSWORD):
            return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535
        return AuthResult(success=True, auth_data=login)


def _server(ca: trustme.CA, security: str) -> tuple[Controller, SmtpServer, LoginCounter]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    recorder, logins, port = Recorder(), LoginCounter(), free_port()
    options = {"authenticator": logins, "auth_require_tls": True}
    if security == "tls":
        # aiosmtpd knows only STARTTLS as "TLS" for offering AUTH; this one is TLS throughout.
        options["auth_require_tls"] = False
        controller = Controller(
            recorder, hostname="127.0.0.1", port=port, ssl_context=context, **options
        )
    else:
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            require_starttls=True,
            **options,
        )
    controller.start()
    return controller, SmtpServer("127.0.0.1", port, recorder), logins


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request, ca) -> Iterator[tuple[str, SmtpServer, LoginCounter]]:
    """A server speaking STARTTLS (and requiring it) or TLS from the first byte."""
    controller, server, logins = _server(ca, request.param)
    try:
        yield request.param, server, logins
    finally:
        controller.stop()


def _settings(security: str, server: SmtpServer, **overrides) -> dict:
    login = {"MAIL_SECURITY": security, "MAIL_USERNAME": USER, "MAIL_PASSWORD": PASSWORD}
    return server.config(**{**login, **overrides})


def test_a_verified_certificate_and_a_login_deliver_encrypted(make_app, tls_server, ca_file):
    security, server, logins = tls_server
    app = make_app(**_settings(security, server, MAIL_TLS_CA_FILE=ca_file))
    ids = queue_many(app, 3)
    assert send_once(app) == 3
    assert {states(app)[i].state for i in ids} == {SENT}
    assert [(item.tls, item.login) for item in server.recorder.received] == [(True, USER)] * 3
    assert logins.attempts == 1  # one connection, one login, for the whole batch


def test_a_certificate_that_does_not_verify_is_refused(make_app, tls_server):
    security, server, logins = tls_server
    app = make_app(**_settings(security, server))  # the system's CAs: the test CA is unknown
    ids = queue_many(app, 2)
    send_once(app)
    rows = states(app)
    assert {rows[i].state for i in ids} == {PENDING}
    assert all("did not verify" in rows[i].last_error for i in ids)
    assert all("certificate" in rows[i].last_error for i in ids)
    assert server.recorder.received == [] and logins.attempts == 0  # no password sent


def test_verification_is_off_only_when_a_setting_says_so(make_app, tls_server, caplog):
    security, server, _logins = tls_server
    app = make_app(**_settings(security, server, MAIL_TLS_VERIFY=False))
    queue_many(app, 1)
    with caplog.at_level(logging.WARNING, logger="consult.mail"):
        assert send_once(app) == 1
    assert server.recorder.received[0].tls
    assert "MAIL_TLS_VERIFY is off" in caplog.text


def test_a_wrong_password_stops_the_sender_with_the_messages_waiting(make_app, tls_server, ca_file):
    security, server, logins = tls_server
    app = make_app(**_settings(security, server, MAIL_TLS_CA_FILE=ca_file, MAIL_PASSWORD="wrong"))
    ids = queue_many(app, 3)
    with pytest.raises(LoginRefused, match="535"), app.app_context():
        run(app, loop=False)
    rows = states(app)
    # Not the messages' fault: they wait, with no attempt counted, and staff see why.
    assert {rows[i].state for i in ids} == {PENDING}
    assert {rows[i].attempts for i in ids} == {0}
    assert all(rows[i].claim_token is None for i in ids)
    assert all("SMTP login refused" in rows[i].last_error for i in ids)
    assert all("CONSULT_MAIL_PASSWORD" in rows[i].last_error for i in ids)
    assert server.recorder.received == [] and logins.attempts == 1


def test_a_wrong_password_does_not_make_a_looping_sender_log_in_again(
    make_app, tls_server, ca_file
):
    security, server, logins = tls_server
    settings = _settings(
        security, server, MAIL_TLS_CA_FILE=ca_file, MAIL_PASSWORD="wrong", MAIL_POLL_INTERVAL=0.05
    )
    app = make_app(**settings)
    queue_many(app, 2)
    stop = threading.Event()
    looping = threading.Thread(target=run, args=(app,), kwargs={"loop": True, "stop": stop})
    looping.start()
    try:
        assert wait_for(lambda: logins.attempts >= 1)
        # Twenty polls later: still one login (a retry storm would lock the account).
        assert not wait_for(lambda: logins.attempts > 1, timeout=1.0)
        assert looping.is_alive()
    finally:
        stop.set()
        looping.join(timeout=10)
    assert not looping.is_alive()


def test_the_cli_says_what_to_fix_when_the_login_is_refused(make_app, tls_server, ca_file):
    security, server, _logins = tls_server
    app = make_app(**_settings(security, server, MAIL_TLS_CA_FILE=ca_file, MAIL_PASSWORD="wrong"))
    queue_many(app, 1)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code != 0
    assert "SMTP login refused" in result.output and "CONSULT_MAIL_USERNAME" in result.output


def test_a_login_over_a_plain_connection_is_refused_not_sent_in_clear(make_app, ca, ca_file):
    # The server offers AUTH only after STARTTLS: with MAIL_SECURITY=none the sender must not
    # fall back to sending without the login it was told to use.
    controller, server, logins = _server(ca, "starttls")
    try:
        app = make_app(**_settings("none", server))
        ids = queue_many(app, 1)
        with pytest.raises(LoginRefused), app.app_context():
            run(app, loop=False)
        assert states(app)[ids[0]].state == PENDING
        assert server.recorder.received == [] and logins.attempts == 0
    finally:
        controller.stop()


def test_readme_names_every_mail_setting() -> None:
    from consult.mail import DEFAULTS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [key for key in DEFAULTS if f"CONSULT_{key}" not in readme and key in _DOCUMENTED]
    assert missing == []


#: Settings an operator sets (the rest are internal knobs documented in consult/mail).
_DOCUMENTED = {
    "MAIL_HOST",
    "MAIL_PORT",
    "MAIL_SECURITY",
    "MAIL_TLS_VERIFY",
    "MAIL_TLS_CA_FILE",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "MAIL_FROM_NAME",
    "MAIL_TIMEOUT",
    "MAIL_RECORD_EVERY",
    "MAIL_REMINDER_INTERVAL_DAYS",
    "MAIL_KEEP_DAYS",
}
