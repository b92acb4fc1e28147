"""Burst: hundreds of respondents submitting at once across several gunicorn workers.

Zero 5xx, zero lock errors, and exactly as many stored responses as acknowledged submissions,
each with all its answers. The access log is checked as well: one line per request, and no
resume token anywhere in it.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import BACKENDS
from tests.reliability.harness import (
    ANSWER_ROWS,
    HEAVY,
    Server,
    Tally,
    run_clients,
    verify_responses,
)

RESPONDENTS = 1500 if HEAVY else 300
CLIENTS = 32 if HEAVY else 12
WORKERS = 4 if HEAVY else 2


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_burst_of_submissions_loses_nothing(instance, database_url, findings):
    server = Server(instance, database_url, workers=WORKERS).start()
    tally = Tally()
    try:
        seconds = run_clients(server.address, tally, respondents=RESPONDENTS, clients=CLIENTS)
    finally:
        server.stop()
    verdict = verify_responses(database_url, tally)
    log = server.log()
    access = server.access_lines()
    lock_errors = log.count("locked")
    leaked_tokens = sum(1 for token in tally.started if token in log)
    findings(
        f"{RESPONDENTS} respondents from {CLIENTS} client threads over {WORKERS} workers: "
        f"{tally.requests} requests in {seconds:.1f} s, "
        f"statuses {dict(sorted(tally.statuses.items()))}, "
        f"connection failures {sum(tally.failures.values())}, 5xx {tally.server_errors}, "
        f"lock errors in the log {lock_errors}"
    )
    findings(
        f"acknowledged {len(tally.acknowledged)}, stored submitted {verdict.submitted}, "
        f"acknowledged present with all {ANSWER_ROWS} answers {verdict.acknowledged_present}, "
        f"incomplete submitted {verdict.submitted_incomplete}; access lines {len(access)}, "
        f"resume tokens found in the log {leaked_tokens}"
    )
    assert tally.server_errors == 0
    assert not tally.failures
    assert lock_errors == 0
    assert len(tally.acknowledged) == RESPONDENTS
    assert verdict.submitted == len(tally.acknowledged)
    assert not verdict.acknowledged_missing
    assert verdict.submitted_incomplete == 0
    assert len(access) >= tally.requests  # plus the readiness probes
    assert leaked_tokens == 0
    assert all(
        line["path"].startswith(("/r/<redacted>", "/questionnaires", "/healthz")) for line in access
    )
