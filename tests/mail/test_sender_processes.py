"""Senders as separate processes: killed mid-batch (kill -9), and two at once.

The guarantee tested: nothing queued is lost; nothing is sent twice, except the messages a
killed sender had handed to the server since it last wrote its outcomes (at most
MAIL_RECORD_EVERY): those go again, with the same Message-ID, once the claim lapses.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

from sqlalchemy import update

from consult.db import db, utcnow, writing
from consult.mail.models import PENDING, SENT, OutboxMessage
from consult.mail.sender import run
from tests.mail.conftest import sender_process, wait_for
from tests.mail.test_sender import queue_many, states


def test_a_sender_killed_mid_batch_loses_nothing_and_repeats_only_the_unrecorded(
    make_app, smtp
) -> None:
    settings = smtp.config(
        MAIL_BATCH_SIZE=5, MAIL_RECORD_EVERY=3, MAIL_RECORD_SECONDS=300, MAIL_LEASE=600
    )
    app = make_app(**settings)
    ids = queue_many(app, 20)
    # Message 7 (second batch: 5-9) is in the server's hands when the sender is killed; the
    # outcomes of 5 and 6 wait for a third one to be written (MAIL_RECORD_EVERY=3).
    smtp.recorder.hold_after["Message 7"] = 30
    sender = sender_process(app, "--loop", **settings)
    try:
        got_it = wait_for(
            lambda: any(m["Subject"] == "Message 7" for m in smtp.recorder.messages()),
            timeout=60,
        )
        assert got_it, sender.stderr.read1().decode() if sender.poll() is not None else ""
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait()
    finally:
        if sender.poll() is None:
            sender.kill()
        sender.stdout.close()
        sender.stderr.close()
    smtp.recorder.hold_after.clear()

    at_kill = states(app)
    by_subject = {at_kill[i].subject: at_kill[i] for i in ids}
    delivered = {m["Subject"] for m in smtp.recorder.messages()}
    assert delivered == {f"Message {i}" for i in range(8)}
    # The first batch was written at 3 and at its end; of the second, the three delivered
    # since the last write (5, 6 and 7, in the server's hands) are still only claimed.
    assert all(by_subject[f"Message {i}"].state == SENT for i in range(5))
    unrecorded = {s for s in delivered if by_subject[s].state == PENDING}
    assert unrecorded == {"Message 5", "Message 6", "Message 7"}
    assert all(by_subject[s].claim_token is not None for s in unrecorded)
    assert all(by_subject[f"Message {i}"].state == PENDING for i in range(8, 20))

    # The dead sender's claim lapses (here: at once, instead of after MAIL_LEASE seconds).
    with app.app_context(), writing():
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow()))
        db.commit()
    with app.app_context():
        run(app, loop=False)

    received = Counter(m["Message-ID"] for m in smtp.recorder.messages())
    final = states(app)
    assert {final[i].state for i in ids} == {SENT}
    assert set(received) == {final[i].message_id for i in ids}  # nothing lost
    twice = {by_subject[s].message_id for s in unrecorded}
    assert {mid for mid, n in received.items() if n > 1} == twice  # nothing else repeated
    assert all(received[mid] == 2 for mid in twice)


def test_two_sender_processes_at_once_send_each_message_exactly_once(make_app, smtp_server) -> None:
    settings = smtp_server.config(MAIL_BATCH_SIZE=10)
    app = make_app(**settings)
    ids = queue_many(app, 200)
    senders = [sender_process(app, **settings) for _ in range(2)]
    outputs = []
    for sender in senders:
        out, err = sender.communicate(timeout=120)
        assert sender.returncode == 0, err.decode()
        outputs.append(int(out.decode().split()[0]))
    received = Counter(m["Message-ID"] for m in smtp_server.recorder.messages())
    final = states(app)
    assert {final[i].state for i in ids} == {SENT}
    assert len(received) == 200 and set(received.values()) == {1}
    assert sum(outputs) == 200
    # Both took part (each claims a batch at a time), unless one finished before the other began.
    assert min(outputs) > 0 or max(outputs) == 200
