"""Two workers receiving the same join form at the same instant make one pledge.

Real concurrency: two threads, each with its own client and database session, post the same
form (the same pledge token, a double click reaching two workers) at the same instant. On
PostgreSQL both are held just after their "is there a pledge for this form already?" check,
so that both go on to create it at once: the unique token and the savepoint in
operations.create_pledge must turn the loser into "already made", answered like the winner.
On SQLite a POST's transaction begins IMMEDIATE (consult.db.writing): the second waits for
the first's commit, then finds its pledge; holding them there would only deadlock the test.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from consult.campaign import operations
from consult.campaign.models import Pledge
from consult.db import db
from tests.campaign.conftest import FIELDS, PLEDGE_TOKEN_RE, letter
from tests.conftest import PG_URL, csrf_token


def test_the_same_form_from_two_workers_at_once_makes_one_pledge(app, monkeypatch):
    clients = [app.test_client(), app.test_client()]
    page = clients[0].get("/campaign/join").get_data(as_text=True)
    token = PLEDGE_TOKEN_RE.search(page).group(1)
    # The second browser tab of the same visitor: the same session cookie, the same form.
    for cookie in clients[0]._cookies.values():
        clients[1].set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    csrf = csrf_token(page)

    both_checked = threading.Barrier(2, timeout=10)
    both_sent = threading.Barrier(2, timeout=10)
    held = threading.local()
    real_find = operations.find_pledge

    def find_then_wait(session, pledge_token):
        found = real_find(session, pledge_token)
        if PG_URL and not getattr(held, "done", False):
            held.done = True  # only the first check of each request waits for the other
            both_checked.wait()
        return found

    monkeypatch.setattr(operations, "find_pledge", find_then_wait)
    import consult.campaign.join_views as join_views

    monkeypatch.setattr(join_views.operations, "find_pledge", find_then_wait)
    replies: list = [None, None]
    errors: list = []

    def send(index: int) -> None:
        data = {"csrf_token": csrf, "pledge_token": token, "action": "draft", **FIELDS}
        data["letter"] = letter()
        try:
            both_sent.wait()
            replies[index] = clients[index].post(
                "/campaign/join", data=data, content_type="multipart/form-data"
            )
        except Exception as error:  # noqa: BLE001 (reported below, with its thread)
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert [r.status_code for r in replies] == [303, 303]
    # Both lead to the one pledge's page (the later one as "sent before": no ?sent=1).
    assert all(r.location.startswith(f"/campaign/pledge/{token}") for r in replies)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
