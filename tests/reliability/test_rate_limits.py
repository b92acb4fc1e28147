"""Rate limits hold across the workers of `consult serve --workers 2` and across a restart,
with the default storage (db://), on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import socket
import time
from urllib.parse import urlencode

import pytest

from consult.security import SECURITY_HEADERS
from tests.reliability.conftest import BACKENDS
from tests.reliability.harness import CSRF_RE, HttpRespondent, Server, Tally


def _post_contribution(address, cookies: dict[str, str], csrf: str) -> int:
    """POST the contribution form on a new connection (so any worker may take it)."""
    browser = HttpRespondent(address, Tally())
    browser.cookies = dict(cookies)
    try:
        status, _headers, _page = browser.request(
            "POST", "/contributions/new", {"csrf_token": csrf, "text": ""}
        )
    finally:
        browser.close()
    return status


class _HeldPost:
    """The contribution form's POST sent up to its last header line, then held: the sync
    worker that accepted the connection waits on it, so the next connections go to the other
    worker; finish() sends the rest and returns the status."""

    def __init__(self, address, cookies: dict[str, str], csrf: str) -> None:
        body = urlencode({"csrf_token": csrf, "text": ""}).encode()
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        head = (
            "POST /contributions/new HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {cookie}\r\n"
        ).encode("latin-1")
        self.rest = b"Connection: close\r\n\r\n" + body
        self.connection = socket.create_connection(address, timeout=30)
        self.connection.sendall(head)
        time.sleep(0.3)  # a worker has accepted it and waits for the rest

    def finish(self) -> int:
        self.connection.sendall(self.rest)
        answer = b""
        while chunk := self.connection.recv(65536):
            answer += chunk
        self.connection.close()
        return int(answer.split(b" ", 2)[1])


def _eight_posts_over_both_workers(address, cookies: dict[str, str], csrf: str) -> list[int]:
    """Eight POSTs in a known order, each worker taking some: while one worker waits on a held
    request, the other takes the plain ones (a free worker may otherwise take all eight)."""
    first = _HeldPost(address, cookies, csrf)
    statuses = [_post_contribution(address, cookies, csrf) for _ in range(3)]
    second = _HeldPost(address, cookies, csrf)  # the only free worker takes it
    statuses.append(first.finish())
    statuses += [_post_contribution(address, cookies, csrf) for _ in range(3)]
    statuses.append(second.finish())
    return statuses


def _refused_by_gunicorn(server: Server) -> None:
    """Requests gunicorn refuses before the app runs carry our headers, echo nothing, and are
    logged without the client address or the token (this server is reused: one start less)."""
    token = secrets.token_urlsafe(24)
    for raw in (
        f"GET /r/{token}\x01 HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        b"GET /" + token.encode() * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
    ):
        with socket.create_connection(server.address, timeout=10) as connection:
            connection.sendall(raw)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        assert head.split(" ")[1] in ("400", "414", "431"), head
        for name, value in SECURITY_HEADERS:
            assert f"\r\n{name}: {value}\r\n" in head + "\r\n", (name, head)
        assert token.encode() not in answer
    log = server.log()
    assert "Invalid request" in log
    assert token not in log and "ip=127.0.0.1" not in log


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_five_per_hour_lets_five_through_across_workers_and_restarts(
    instance, database_url, findings
):
    server = Server(
        instance,
        database_url,
        workers=2,
        CONSULT_RATELIMIT_ENABLED="true",
        CONSULT_CONTRIBUTIONS_POST_RATE_LIMIT="5 per hour",
    ).start()
    try:
        browser = HttpRespondent(server.address, Tally())
        status, _headers, page = browser.request("GET", "/contributions/new")
        browser.close()
        assert status == 200
        csrf = CSRF_RE.search(page).group(1)
        before = _eight_posts_over_both_workers(server.address, browser.cookies, csrf)
        workers = {line["worker"] for line in server.access_lines() if line["method"] == "POST"}
        server.stop()
        server.start()
        after = [_post_contribution(server.address, browser.cookies, csrf) for _ in range(3)]
        _refused_by_gunicorn(server)
    finally:
        server.stop()
    findings(
        f"'5 per hour' on `consult serve --workers 2`: {before.count(422)} of 8 let through "
        f"by {len(workers)} workers, then {after.count(429)} of 3 refused after a restart"
    )
    assert before == [422] * 5 + [429] * 3, before
    assert len(workers) == 2, "both workers answered (otherwise the test proves nothing)"
    assert after == [429] * 3, after
