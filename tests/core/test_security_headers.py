"""Every response carries the security headers once; a view's own value is kept; HSTS only
when the site is served over HTTPS only."""

from __future__ import annotations

from flask import Response

from consult.security import HSTS_HEADER, SECURITY_HEADERS


def names_of(reply) -> list[str]:
    return [name.lower() for name, _value in reply.headers]


def test_each_header_once_on_pages_redirects_and_errors(client):
    for reply in (
        client.get("/"),
        client.get("/questionnaires/partners"),
        client.get("/r/unknown-token"),  # 404
        client.post("/questionnaires/partners/start", data={}),  # CSRF refused
    ):
        names = names_of(reply)
        for name, value in SECURITY_HEADERS:
            assert names.count(name.lower()) == 1, (reply.status_code, name)
            assert reply.headers[name] == value
        assert HSTS_HEADER[0].lower() not in names


def test_a_header_the_view_set_is_kept(make_app):
    app = make_app()

    @app.get("/framed-for-test")
    def framed():
        return Response("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    reply = app.test_client().get("/framed-for-test")
    assert reply.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert (
        reply.headers["Content-Security-Policy"]
        == dict(SECURITY_HEADERS)["Content-Security-Policy"]
    )


def test_strict_transport_security_when_served_over_https_only(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    reply = app.test_client().get("/", base_url="https://localhost")
    assert reply.headers[HSTS_HEADER[0]] == HSTS_HEADER[1]
