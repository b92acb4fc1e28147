"""A database that cannot even be read: every form's input comes back, never a 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import create_engine

from consult.db import _State
from tests.conftest import csrf_token

TYPED = "Ville gardée <pendant> la panne ✓"


def _unreachable(app: Flask, tmp_path) -> None:
    """Point the app at a database it cannot open (reads and writes both fail): a file under a
    path that is a file, not a folder (make_engine would create a missing folder)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    engine = create_engine(f"sqlite:///{blocker / 'consult.sqlite3'}")
    # The engine it replaces closes its connections now (on PostgreSQL, an open connection
    # left to the garbage collector is a ResourceWarning, an error under pytest).
    app.extensions["consult.db"].engine.dispose()
    app.extensions["consult.db"] = _State(engine)


def _sample(rule, name: str) -> str:
    """A value the URL variable accepts: a long word, or 1 where only numbers are taken."""
    try:
        rule._converters[name].to_python("x" * 24)
    except Exception:  # noqa: BLE001 - any refusal means the variable is a number
        return "1"
    return "x" * 24


def _post_routes(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        values = {name: _sample(rule, name) for name in rule.arguments}
        paths.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(paths))


def test_a_save_while_the_database_is_down_gives_the_input_back(app, respondent, tmp_path):
    token = respondent.start()
    page = respondent.client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    csrf = csrf_token(page)
    _unreachable(app, tmp_path)
    reply = respondent.client.post(
        f"/r/{token}/s/profile",
        data={"csrf_token": csrf, "action": "next", "q.institution_name": TYPED},
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] and reply.headers["Cache-Control"] == "no-store"
    # The value is kept (escaped) in a form that posts it again to the same address.
    assert 'value="Ville gardée &lt;pendant&gt; la panne ✓"' in body
    assert f'action="/r/{token}/s/profile"' in body
    assert re.search(r'name="csrf_token" value="[^"]+"', body)


@pytest.mark.parametrize(
    ("language", "button"),
    [("en", "Send again"), ("fr", "Envoyer à nouveau"), ("es", "Enviar de nuevo")],
)
def test_the_resend_page_speaks_the_visitors_language(app, respondent, tmp_path, language, button):
    token = respondent.start()
    page = respondent.client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    csrf = csrf_token(page)
    _unreachable(app, tmp_path)
    reply = respondent.client.post(
        f"/r/{token}/s/profile?lang={language}",
        data={"csrf_token": csrf, "action": "next", "q.institution_name": TYPED},
        headers={"Accept-Language": language},
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert button in body and "&lt;pendant&gt;" in body


def test_no_form_anywhere_answers_500_when_the_database_is_down(app, client, tmp_path):
    page = client.get("/contributions/new").get_data(as_text=True)
    csrf = csrf_token(page)
    routes = _post_routes(app)
    _unreachable(app, tmp_path)
    seen = {}
    for path in routes:
        reply = client.post(path, data={"csrf_token": csrf, "text": TYPED})
        seen[path] = reply.status_code
        assert reply.status_code != 500, path
        if reply.status_code == 503 and reply.is_json:
            # The background save: the page keeps the input and the script tries again.
            assert reply.get_json()["retry"] is True, path
        elif reply.status_code == 503:
            assert "&lt;pendant&gt;" in reply.get_data(as_text=True), path
    assert 503 in seen.values()
