"""The sender against a real SMTP server: delivery, retries, refusals, hangs, claims."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.mail import outbox
from consult.mail.models import FAILED, PENDING, SENT, OutboxMessage
from consult.mail.outbox import Draft, enqueue
from consult.mail.sender import Settings, run, send_batch
from tests.mail.conftest import wait_for


def queue_many(app, count: int, *, recipient=lambda i: f"city{i}@example.org") -> list[int]:
    """Queue ``count`` plain messages; return their ids."""
    with app.app_context(), writing():
        ids = [
            enqueue(
                db.session,
                Draft(
                    kind="test",
                    recipient_email=recipient(i),
                    recipient_name=f"City {i}",
                    language="en",
                    subject=f"Message {i}",
                    body_text=f"Body {i}",
                    body_html=f"<p>Body {i}</p>",
                ),
                "consult@cisdp.test",
            ).id
            for i in range(count)
        ]
        db.commit()
    return ids


def states(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        found = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
        db.session.expunge_all()  # kept as read: the end of the context rolls back
        return found


def send_once(app) -> int:
    with app.app_context():
        return run(app, loop=False)


def make_due(app) -> None:
    """Bring every waiting message's next attempt to now (instead of waiting minutes)."""
    with app.app_context(), writing():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.commit()


def test_delivers_each_message_once_and_clears_its_bodies(make_app, smtp) -> None:
    app = make_app(**smtp.config())
    ids = queue_many(app, 5)
    assert send_once(app) == 5
    received = smtp.recorder.messages()
    assert sorted(m["Subject"] for m in received) == [f"Message {i}" for i in range(5)]
    assert [item.recipients for item in smtp.recorder.received][0][0].endswith("@example.org")
    rows = states(app)
    assert {rows[i].state for i in ids} == {SENT}
    assert all(rows[i].body_text is None and rows[i].body_html is None for i in ids)
    assert {m["Message-ID"] for m in received} == {rows[i].message_id for i in ids}
    assert send_once(app) == 0  # nothing left: nothing sent again


def test_temporary_refusal_is_retried_with_growing_delays(make_app, smtp) -> None:
    app = make_app(**smtp.config(MAIL_RETRY_BASE=60, MAIL_RETRY_MAX=3600))
    [message_id] = queue_many(app, 1, recipient=lambda i: "busy@example.org")
    smtp.recorder.rcpt_replies["busy@example.org"] = [
        "451 4.7.1 Try again later",
        "452 4.2.2 Mailbox full for now",
    ]
    delays = []
    for _ in range(2):
        before = utcnow()
        send_once(app)
        row = states(app)[message_id]
        assert row.state == PENDING
        assert row.last_error.startswith("45")
        delays.append((row.next_attempt_at - before).total_seconds())
        assert send_once(app) == 0  # not due yet
        make_due(app)
    assert 55 < delays[0] < 65 and 115 < delays[1] < 125
    send_once(app)
    row = states(app)[message_id]
    assert row.state == SENT and row.attempts == 3
    assert len(smtp.recorder.received) == 1


def test_a_refusal_quoting_the_address_keeps_it_out_of_the_log(make_app, smtp, caplog) -> None:
    """`consult mail send` logs why a message failed; the address stays in the outbox only."""
    app = make_app(**smtp.config())
    [message_id] = queue_many(app, 1, recipient=lambda i: "ana.diop@city.example.org")
    reply = "550 5.1.1 <ana.diop@city.example.org>: Recipient address rejected"
    smtp.recorder.rcpt_replies["ana.diop@city.example.org"] = [reply]
    with caplog.at_level(logging.WARNING, logger="consult.mail"):
        send_once(app)
    assert states(app)[message_id].last_error == reply  # for the admins' outbox page
    assert f"mail {message_id} to recipient refused: 550 5.1.1 <<redacted>>" in caplog.text
    assert "ana.diop" not in caplog.text


def test_permanent_refusal_fails_at_once_with_the_reason(make_app, smtp) -> None:
    app = make_app(**smtp.config())
    ids = queue_many(app, 3, recipient=lambda i: f"r{i}@example.org")
    smtp.recorder.rcpt_replies["r1@example.org"] = ["550 5.1.1 No such user here"]
    send_once(app)
    rows = states(app)
    assert [rows[i].state for i in ids] == [SENT, FAILED, SENT]
    assert rows[ids[1]].last_error == "550 5.1.1 No such user here"
    assert rows[ids[1]].body_text is None
    make_due(app)
    assert send_once(app) == 0


def test_gives_up_after_the_last_attempt(make_app, smtp) -> None:
    app = make_app(**smtp.config(MAIL_MAX_ATTEMPTS=2))
    [message_id] = queue_many(app, 1, recipient=lambda i: "busy@example.org")
    smtp.recorder.rcpt_replies["busy@example.org"] = ["421 4.3.2 Busy"] * 5
    send_once(app)
    make_due(app)
    send_once(app)
    row = states(app)[message_id]
    assert row.state == FAILED and row.last_error.startswith("gave up after 2 attempts: 421")


def test_a_hanging_server_times_out_and_the_message_waits(make_app, hanging_server) -> None:
    host, port = hanging_server
    app = make_app(MAIL_HOST=host, MAIL_PORT=port, MAIL_SECURITY="none", MAIL_TIMEOUT=0.5)
    ids = queue_many(app, 3)
    started = time.monotonic()
    send_once(app)
    assert time.monotonic() - started < 3
    rows = states(app)
    assert {rows[i].state for i in ids} == {PENDING}
    assert all("timed out" in rows[i].last_error for i in ids)
    assert all(rows[i].next_attempt_at > utcnow() for i in ids)


def test_an_unreachable_server_leaves_messages_waiting(make_app) -> None:
    from tests.mail.conftest import free_port

    app = make_app(MAIL_HOST="127.0.0.1", MAIL_PORT=free_port(), MAIL_SECURITY="none")
    ids = queue_many(app, 2)
    send_once(app)
    rows = states(app)
    assert {rows[i].state for i in ids} == {PENDING}
    assert all("cannot reach" in rows[i].last_error for i in ids)


def test_a_claim_excludes_other_senders_until_it_lapses(make_app) -> None:
    app = make_app()
    queue_many(app, 4)
    with app.app_context():
        first_token, first = outbox.claim(db.session, 3, lease_s=60)
        second_token, second = outbox.claim(db.session, 10, lease_s=60)
        assert len(first) == 3 and len(second) == 1
        assert not {m.id for m in first} & {m.id for m in second}
        assert outbox.claim(db.session, 10, lease_s=60)[1] == []
        with writing():
            db.session.execute(
                update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
        _token, again = outbox.claim(db.session, 10, lease_s=60)
        assert len(again) == 4
        # The first claim has lapsed: its holder can no longer record an outcome.
        assert not outbox.mark_sent(db.session, first[0], first_token)


def test_senders_in_threads_never_send_one_message_twice(make_app, smtp) -> None:
    app = make_app(**smtp.config(MAIL_BATCH_SIZE=7))
    ids = queue_many(app, 120)
    errors = []

    def sender() -> None:
        try:
            with app.app_context():
                run(app, loop=False)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    subjects = [m["Subject"] for m in smtp.recorder.messages()]
    assert len(subjects) == len(set(subjects)) == 120
    assert {states(app)[i].state for i in ids} == {SENT}


def test_without_smtp_messages_become_eml_files(make_app, tmp_path) -> None:
    folder = tmp_path / "mail-out"
    app = make_app(MAIL_FOLDER=str(folder))
    queue_many(app, 2)
    send_once(app)
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2 and not list(folder.glob("*.part"))
    assert b"Subject: Message 0" in files[0].read_bytes()


def test_a_sender_stops_between_messages_and_gives_the_rest_back(make_app, smtp) -> None:
    app = make_app(**smtp.config())
    ids = queue_many(app, 5)
    stop = threading.Event()
    stop.set()
    with app.app_context():
        assert send_batch(db.session, Settings.from_app(app), stop=stop) == 0
    rows = states(app)
    assert all(rows[i].claim_token is None and rows[i].attempts == 0 for i in ids)


@pytest.mark.parametrize("security", ["starttls", "tls", "none"])
def test_settings_pick_the_port_by_security(make_app, security) -> None:
    app = make_app(MAIL_SECURITY=security)
    assert Settings.from_app(app).port == {"starttls": 587, "tls": 465, "none": 25}[security]


def test_a_wrong_security_setting_stops_the_app(make_app) -> None:
    with pytest.raises(ValueError, match="MAIL_SECURITY"):
        make_app(MAIL_SECURITY="ssl3")


def test_a_lease_too_short_for_one_message_stops_the_app(make_app) -> None:
    # 11 timeouts of 2 s: a message may take 22 s; a claim of 20 s could never start one.
    with pytest.raises(ValueError, match="MAIL_LEASE"):
        make_app(MAIL_TIMEOUT=2, MAIL_LEASE=20)


def test_a_slow_acceptance_is_awaited_and_the_message_sent_once(make_app, smtp) -> None:
    """The server has the message and answers its final dot after more than MAIL_TIMEOUT (a
    loaded relay): the sender waits for that reply (five timeouts) instead of taking the
    silence for a failure and sending the message again later."""
    app = make_app(**smtp.config(MAIL_TIMEOUT=1))
    ids = queue_many(app, 3)
    smtp.recorder.hold_after["Message 1"] = 2.5
    send_once(app)
    assert [m["Subject"] for m in smtp.recorder.messages()] == [f"Message {i}" for i in range(3)]
    assert {states(app)[i].state for i in ids} == {SENT}


def _count_outbox_writes(app) -> list[str]:
    """Record each UPDATE of the outbox and each COMMIT the app's engine runs."""
    from sqlalchemy import event

    seen: list[str] = []
    engine = app.extensions["consult.db"].engine

    @event.listens_for(engine, "before_cursor_execute")
    def statement(conn, cursor, text, params, context, executemany) -> None:
        if "UPDATE MAIL_OUTBOX" in text.upper():
            seen.append("update")

    @event.listens_for(engine, "commit")
    def commit(conn) -> None:
        seen.append("commit")

    return seen


def test_outcomes_are_written_a_few_transactions_per_batch_not_one_per_message(
    make_app, smtp
) -> None:
    app = make_app(**smtp.config(MAIL_BATCH_SIZE=40, MAIL_RECORD_EVERY=20, MAIL_RECORD_SECONDS=300))
    ids = queue_many(app, 40)
    writes = _count_outbox_writes(app)
    assert send_once(app) == 40
    # One claim, then the 40 deliveries in two writes of 20 (one UPDATE each).
    assert writes.count("update") == 3
    assert writes.count("commit") <= 8  # the claim's reads and writes, two outcome writes
    assert {states(app)[i].state for i in ids} == {SENT}


def test_one_connection_serves_batch_after_batch_and_closes_when_idle(make_app, smtp) -> None:
    app = make_app(**smtp.config(MAIL_BATCH_SIZE=4))
    queue_many(app, 12)
    assert send_once(app) == 12
    assert smtp.recorder.ehlo_count == 1  # three batches, one connection


def test_a_connection_the_server_closes_is_opened_again_for_the_same_message(
    make_app, smtp
) -> None:
    # A server capping messages per connection answers 421 and hangs up: the message goes on
    # a new connection at once (not a retry in a minute), the others follow on it.
    app = make_app(**smtp.config(MAIL_BATCH_SIZE=10))
    ids = queue_many(app, 5)
    smtp.recorder.mail_replies[:] = ["", "", "421 4.7.0 Too many messages, closing"]
    assert send_once(app) == 5
    rows = states(app)
    assert {rows[i].state for i in ids} == {SENT}
    assert all(rows[i].attempts == 1 and rows[i].last_error is None for i in ids)
    assert len(smtp.recorder.received) == 5
    assert smtp.recorder.ehlo_count == 2  # the first connection, then the new one


def test_a_sender_stops_on_an_unexpected_error_but_writes_what_it_delivered(
    make_app, smtp, monkeypatch
) -> None:
    from consult.mail import sender

    app = make_app(**smtp.config(MAIL_BATCH_SIZE=10, MAIL_RECORD_EVERY=100))
    ids = queue_many(app, 5)
    real = sender._build

    def build(parts):
        if parts.envelope.subject == "Message 3":
            raise RuntimeError("a bug while building message 3")
        return real(parts)

    monkeypatch.setattr(sender, "_build", build)
    with pytest.raises(RuntimeError), app.app_context():
        run(app, loop=False)
    rows = states(app)
    assert [rows[i].state for i in ids] == [SENT, SENT, SENT, PENDING, PENDING]


def test_with_pipelining_each_message_is_one_write_and_the_replies_decide_alike(
    make_app, smtp_server, monkeypatch
) -> None:
    # MAIL, RCPT and DATA of the next message ride with the content of the one before: one
    # write (one round trip) per message; a refusal in the middle still fails only its message.
    import smtplib

    smtp_server.recorder.pipelining = True
    app = make_app(**smtp_server.config(MAIL_BATCH_SIZE=10))
    ids = queue_many(app, 6, recipient=lambda i: f"r{i}@example.org")
    smtp_server.recorder.rcpt_replies["r2@example.org"] = ["550 5.1.1 No such user here"]
    smtp_server.recorder.rcpt_replies["r4@example.org"] = ["450 4.2.1 Try later"]
    writes: list[bytes] = []
    real_send = smtplib.SMTP.send

    def send(connection, data):
        writes.append(data if isinstance(data, bytes) else data.encode())
        return real_send(connection, data)

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    assert send_once(app) == 6
    rows = states(app)
    assert [rows[i].state for i in ids] == [SENT, SENT, FAILED, SENT, PENDING, SENT]
    assert rows[ids[4]].last_error == "450 4.2.1 Try later"
    received = [item.recipients for item in smtp_server.recorder.received]
    assert received == [
        ["r0@example.org"],
        ["r1@example.org"],
        ["r3@example.org"],
        ["r5@example.org"],
    ]
    # One write per delivered message's content, which carries the next message's commands
    # (0 announces 1, 1 announces 2, 3 announces 4); after a refusal (RSET) the next one's
    # commands go alone, and the last content goes alone.
    contents = [w for w in writes if b"Subject: Message" in w]
    assert len(contents) == 4 and all(w.count(b"\r\n.\r\n") == 1 for w in contents)
    assert sum(b"\r\n.\r\nMAIL FROM:" in w for w in contents) == 3


def test_a_message_announced_when_the_sender_stops_is_not_delivered(
    make_app, smtp_server, monkeypatch
) -> None:
    # The next message's DATA may already be open on the server when a stop comes: the
    # connection is dropped before its content, so it is not delivered, and it goes back to
    # the outbox untried.
    from consult.mail import sender

    smtp_server.recorder.pipelining = True
    app = make_app(**smtp_server.config(MAIL_BATCH_SIZE=10))
    ids = queue_many(app, 5)
    stop = threading.Event()
    real = sender._build

    def build(parts):
        if parts.envelope.subject == "Message 2":  # built while message 0 is on the wire
            stop.set()
        return real(parts)

    monkeypatch.setattr(sender, "_build", build)
    with app.app_context():
        assert send_batch(db.session, Settings.from_app(app), stop=stop) == 1
    assert wait_for(lambda: len(smtp_server.recorder.received) == 1)
    time.sleep(0.2)  # time enough for a wrongly ended message to arrive
    assert [m["Subject"] for m in smtp_server.recorder.messages()] == ["Message 0"]
    rows = states(app)
    assert rows[ids[0]].state == SENT
    assert all(
        rows[i].state == PENDING and rows[i].attempts == 0 and rows[i].claim_token is None
        for i in ids[1:]
    )
