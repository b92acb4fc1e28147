"""Crash: kill -9 of the whole server (master and workers) in the middle of a stream of
submissions, then a restart.

Every acknowledged submission is there with all its answers, no submitted response is partial,
unacknowledged ones are absent, drafts, or complete, and the database passes its integrity check.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.reliability.conftest import BACKENDS
from tests.reliability.harness import (
    ANSWER_ROWS,
    HEAVY,
    HttpRespondent,
    Server,
    Tally,
    postgres_consistency,
    run_clients,
    sqlite_integrity,
    verify_responses,
)

ACKNOWLEDGED_BEFORE_KILL = 150 if HEAVY else 40
CLIENTS = 16 if HEAVY else 8


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_kill_9_mid_stream_loses_no_acknowledged_submission(instance, database_url, findings):
    server = Server(instance, database_url, workers=2).start()
    tally = Tally()
    stop = threading.Event()
    clients = threading.Thread(
        target=run_clients,
        args=(server.address, tally),
        kwargs={"respondents": 100_000, "clients": CLIENTS, "stop": stop, "deadline_s": 120},
        daemon=True,
    )
    clients.start()
    deadline = time.monotonic() + 90
    while len(tally.acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    requests_before_kill = tally.requests
    server.kill_hard()
    killed_at = time.monotonic()
    # Clients now meet refused connections; let them notice, then stop them.
    time.sleep(0.5)
    stop.set()
    clients.join(timeout=60)
    in_flight = len(tally.started) - len(tally.acknowledged)
    findings(
        f"killed the process group (master + 2 workers) with SIGKILL after "
        f"{len(tally.acknowledged)} acknowledged submissions and {requests_before_kill} answered "
        f"requests; {in_flight} responses were started but not acknowledged; connection "
        f"failures seen by clients {dict(tally.failures)}"
    )
    assert len(tally.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    assert sum(tally.failures.values()) > 0, "the kill did not interrupt any request"

    restarted = Server(instance, database_url, workers=2).start()
    try:
        restart_s = time.monotonic() - killed_at
        after = Tally()
        respondent = HttpRespondent(restarted.address, after)
        respondent.start()
        saved = [respondent.save(section, fields) for section, fields in _answers()]
        submitted_after_restart = respondent.submit()
        respondent.close()
    finally:
        restarted.stop()

    verdict = verify_responses(database_url, tally)
    if database_url.startswith("sqlite"):
        integrity = sqlite_integrity(instance / "consult.sqlite3")
    else:
        integrity = postgres_consistency(database_url)
    findings(
        f"after restart ({restart_s:.1f} s to healthy): acknowledged present with all "
        f"{ANSWER_ROWS} answers {verdict.acknowledged_present}/{len(tally.acknowledged)}, "
        f"submitted {verdict.submitted}, incomplete submitted {verdict.submitted_incomplete}, "
        f"unacknowledged: submitted (whole) {verdict.unacknowledged_submitted}, absent or draft "
        f"{verdict.unacknowledged_absent_or_draft}; integrity {integrity}; a new submission "
        f"after restart answered {submitted_after_restart}"
    )
    assert not verdict.acknowledged_missing
    assert verdict.submitted_incomplete == 0
    assert integrity.startswith("ok")
    assert saved == [303, 303, 303] and submitted_after_restart == 303


def _answers():
    from tests.reliability.harness import answers_for

    return answers_for(999_999)
