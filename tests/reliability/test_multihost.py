"""Several hosts, proven on this machine: a host killed, the database restarted, a rolling upgrade.

One cluster for the module (see cluster.py): its own PostgreSQL, PgBouncer in transaction mode,
three `consult serve` hosts (two workers each, each with its own empty instance folder and no
shared file, each with the mail sender `consult serve` starts) and nginx in front, plus an SMTP
server (aiosmtpd) that every sender delivers to. The scenarios run in order on it while
respondents answer through nginx and ask for their receipt by e-mail, each retrying a step the
way a browser's user would (press the button again) when the answer was a 502/503/504 or the
connection failed. Each prints its figures; the last checks that every receipt queued during
the others was delivered, and none twice but what a killed sender may have left unrecorded.
CONSULT_KEEP_CLUSTER=1 keeps the cluster's folder (its logs) after the run.

Run on the PostgreSQL pass of the suite (CONSULT_TEST_DATABASE_URL set), like the other
PostgreSQL variants; it needs Debian's postgresql, pgbouncer and nginx (.ci/run installs them).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from consult.core.assets import IMMUTABLE, OTHER_RELEASE, split_hashed_name
from consult.mail import DEFAULTS as MAIL_DEFAULTS
from tests.reliability.cluster import (
    THIS_RELEASE,
    Cluster,
    Host,
    MailServer,
    missing_programs,
    new_release,
)
from tests.reliability.harness import (
    CSRF_RE,
    PG_URL,
    START_RE,
    HttpRespondent,
    Tally,
    answers_for,
    consult_command,
    verify_responses,
)

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="multi-host harness: runs on the PostgreSQL pass (CI sets it)"
)

RETRY_STATUSES = {502, 503, 504}
STAFF_EMAIL = "admin@multihost.test"
STAFF_PASSWORD = "several-hosts-one-database-7"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """The cluster every scenario of this module runs on."""
    missing = missing_programs()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the multi-host harness needs {', '.join(missing)} (see .ci/run)")
        pytest.skip(f"the multi-host harness needs {', '.join(missing)}")
    # Not under pytest's private temporary folder: the service user must reach its own folders.
    folder = Path(tempfile.mkdtemp(prefix="consult-cluster-"))
    os.chmod(folder, 0o755)  # noqa: S103
    mail = MailServer().start()
    # Every host's `consult serve` runs its own mail sender, all sending to this server.
    cluster = Cluster(folder, hosts=3, **mail.host_settings())
    cluster.mail = mail
    try:
        cluster.start()
        created = subprocess.run(
            consult_command(
                "user",
                "create",
                STAFF_EMAIL,
                "--role",
                "admin",
                "--password-stdin",
                "--own-password",
            ),
            input=STAFF_PASSWORD + "\n",
            env=cluster.hosts[0].environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr[-3000:]
        yield cluster
    finally:
        cluster.stop()
        mail.stop()
        if os.environ.get("CONSULT_KEEP_CLUSTER"):
            print(f"\nthe cluster's logs are kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# -- respondents that retry like people ---------------------------------------------------------


def _step(call: Callable[[], int], tally: Tally, attempts: int = 20) -> int:
    """Run one step (a button press); press again after a 502/503/504 or a broken connection."""
    status = 0
    for _ in range(attempts):
        try:
            status = call()
        except (OSError, http.client.HTTPException) as exc:
            tally.failure(type(exc).__name__)
            status = 0
        except AssertionError:
            status = 0  # the introduction or Start answered something else: try again
        if status not in RETRY_STATUSES and status != 0:
            return status
        time.sleep(0.25)
    return status


def respond_with_retries(address: tuple[str, int], tally: Tally, index: int) -> None:
    """Answer a whole response, retrying each step; record it once acknowledged."""
    respondent = HttpRespondent(address, tally)
    try:
        token = ""

        def start() -> int:
            nonlocal token
            token = respondent.start()
            return 303

        if _step(start, tally) != 303:
            return
        with tally.lock:
            tally.started[token] = index
        for section, answers in answers_for(index):
            if _step(lambda s=section, a=answers: respondent.save(s, a), tally) != 303:
                return
        receipt_to = f"respondent-{index}@multihost.test"
        if _step(lambda: respondent.submit(receipt_to), tally) == 303:
            with tally.lock:
                tally.acknowledged[token] = index
    finally:
        respondent.close()


class Load:
    """Respondents answering through nginx from a few threads until stopped."""

    def __init__(self, cluster: Cluster, clients: int = 6, first_index: int = 0) -> None:
        self.address = cluster.address
        #: Where the hosts' logs ended when the load began: only what follows is checked.
        self.log_marks = cluster.log_marks()
        self.tally = Tally()
        self.stop_event = threading.Event()
        self.next_index = first_index
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def _client(self) -> None:
        while not self.stop_event.is_set():
            with self.lock:
                index = self.next_index
                self.next_index += 1
            respond_with_retries(self.address, self.tally, index)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def wait_acknowledged(self, count: int, timeout_s: float = 120) -> None:
        """Wait until ``count`` submissions were acknowledged in all (bounded)."""
        deadline = time.monotonic() + timeout_s
        while len(self.tally.acknowledged) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.tally.acknowledged)} acknowledged")
            time.sleep(0.1)

    def figures(self) -> str:
        """Requests, acknowledged, 5xx and connection failures, for the findings."""
        tally = self.tally
        errors = dict(sorted((code, n) for code, n in tally.statuses.items() if code >= 500))
        return (
            f"{tally.requests} requests, {len(tally.started)} started, "
            f"{len(tally.acknowledged)} acknowledged, 5xx seen by clients {tally.server_errors} "
            f"{errors}, connection failures {dict(tally.failures)}"
        )


def _check_nothing_lost(cluster: Cluster, load: Load) -> str:
    tracebacks = cluster.tracebacks(load.log_marks)
    assert not tracebacks, "\n".join(tracebacks[-3:])
    verdict = verify_responses(cluster.postgres.url, load.tally)
    assert verdict.acknowledged_missing == [], verdict
    assert verdict.submitted_incomplete == 0, verdict
    return (
        f"stored: acknowledged present whole {verdict.acknowledged_present}/"
        f"{len(load.tally.acknowledged)}, submitted {verdict.submitted}, incomplete 0"
    )


# -- the scenarios, in order ----------------------------------------------------------------------


def test_a_respondent_and_staff_move_between_hosts(cluster: Cluster, findings) -> None:
    """Every step on another host: no "this form expired"; an export made on one host
    downloads from another."""
    tally = Tally()
    hosts = [host.address for host in cluster.hosts]
    respondent = HttpRespondent(hosts[0], tally)
    token = respondent.start()
    for number, (section, answers) in enumerate(answers_for(7), start=1):
        respondent.close()
        respondent.address = hosts[number % 3]
        assert respondent.save(section, answers) == 303
    respondent.close()
    respondent.address = hosts[1]
    assert respondent.submit() == 303
    respondent.close()
    assert token and tally.server_errors == 0

    staff = HttpRespondent(hosts[0], tally)
    status, _, page = staff.request("GET", "/staff/login")
    csrf = CSRF_RE.search(page).group(1)
    status, _, _ = staff.request(
        "POST",
        "/staff/login",
        {"csrf_token": csrf, "email": STAFF_EMAIL, "password": STAFF_PASSWORD},
    )
    assert status == 302, status
    staff.close()
    staff.address = hosts[1]
    status, _, page = staff.request("GET", "/staff/exports")
    assert status == 200, status
    csrf = CSRF_RE.search(page).group(1)
    status, headers, _ = staff.request(
        "POST", "/staff/exports", {"csrf_token": csrf, "format": "csv", "questionnaire": ""}
    )
    assert status == 303, status
    job_path = headers["Location"].split("//", 1)[-1]
    job_path = job_path[job_path.index("/staff/") :]
    staff.close()
    staff.address = hosts[2]
    deadline = time.monotonic() + 60
    page = ""
    while time.monotonic() < deadline:
        status, _, page = staff.request("GET", job_path)
        if "/download/0" in page:
            break
        time.sleep(0.5)
    link = re.search(r'href="(/staff/exports/\d+/download/0)"', page).group(1)
    staff.close()
    staff.address = hosts[0]
    status, _, content = staff.request("GET", link)
    staff.close()
    assert status == 200 and "response_id" in content
    findings(
        "a respondent saved on hosts 1, 2, 3, 1 and submitted on host 2: all 303; an export "
        f"asked on host 2, watched on host 3, downloaded on host 1: {status}, "
        f"{content.count(chr(10))} lines"
    )


def test_a_rate_limit_holds_across_hosts(cluster: Cluster, tmp_path: Path, findings) -> None:
    """Two more hosts counting limits (the cluster's own do not: loopback clients share one
    address): "5 per hour" on Start lets exactly 5 through, whichever host answers."""
    limited = [
        Host(
            tmp_path / f"limited{n}",
            cluster.pgbouncer.url,
            workers=2,
            CONSULT_RATELIMIT_ENABLED="true",
            CONSULT_QUESTIONNAIRE_START_RATE_LIMIT="5 per hour",
            CONSULT_MAIL_SENDER_WITH_SERVE="false",
        )
        for n in (1, 2)
    ]
    statuses = []
    try:
        for host in limited:
            host.start()
        for attempt in range(10):
            visitor = HttpRespondent(limited[attempt % 2].address, Tally())
            status, _, page = visitor.request("GET", "/questionnaires/local-governments")
            assert status == 200, status
            status, _, _ = visitor.request(
                "POST",
                "/questionnaires/local-governments/start",
                {
                    "csrf_token": CSRF_RE.search(page).group(1),
                    "start_token": START_RE.search(page).group(1),
                },
            )
            visitor.close()
            statuses.append(status)
    finally:
        for host in limited:
            host.stop()
    findings(f"Start pressed 10 times on two hosts in turn, limit 5 per hour: {statuses}")
    assert statuses.count(303) == 5 and statuses.count(429) == 5, statuses


def test_kill_9_of_one_host_loses_nothing_acknowledged(cluster: Cluster, findings) -> None:
    victim = cluster.hosts[1]
    with Load(cluster, first_index=1000) as load:
        load.wait_acknowledged(15)
        victim.kill_hard()
        killed_at = len(load.tally.acknowledged)
        load.wait_acknowledged(killed_at + 30)
    findings(f"kill -9 of host 2 after {killed_at} acknowledged; {load.figures()}")
    findings(_check_nothing_lost(cluster, load))
    began = time.monotonic()
    victim.start()
    findings(f"host 2 restarted and healthy in {time.monotonic() - began:.1f} s")


def test_a_database_restart_keeps_input_and_recovers_alone(cluster: Cluster, findings) -> None:
    tally = Tally()
    with Load(cluster, first_index=2000) as load:
        load.wait_acknowledged(10)
        probe = HttpRespondent(cluster.address, tally)
        probe.start()
        cluster.postgres.stop()
        stopped = time.monotonic()
        kept = "Ville gardée pendant la panne"
        try:
            status, _, page = probe.request(
                "POST",
                f"/r/{probe.token}/s/profile",
                {"csrf_token": probe.csrf, "action": "next", "q.institution_name": kept},
            )
            probe.close()
            time.sleep(2)
        finally:
            cluster.postgres.start()  # whatever the probe found, the next scenario needs it
        assert status == 503, (status, cluster.tracebacks(load.log_marks)[-2:])
        assert kept in page
        restarted = time.monotonic()
        recovery = cluster.wait_healthy()
        before = len(load.tally.acknowledged)
        load.wait_acknowledged(before + 10)
    findings(
        f"PostgreSQL down {restarted - stopped:.1f} s: a save during the outage answered "
        f"{status} with the typed value kept; healthy through nginx {recovery:.1f} s after the "
        f"database returned; {load.figures()}"
    )
    findings(_check_nothing_lost(cluster, load))
    assert 500 not in load.tally.statuses, "a request answered 500 during the outage"


EXPAND = """
def upgrade() -> None:
    op.add_column("responses", sa.Column("rollout_note", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("responses", "rollout_note")
"""
CONTRACT = """
def upgrade() -> None:
    op.drop_column("responses", "rollout_note")


def downgrade() -> None:
    op.add_column("responses", sa.Column("rollout_note", sa.String(length=64), nullable=True))
"""


def _get(cluster: Cluster, path: str) -> tuple[int, str, bytes]:
    """GET ``path`` through nginx on a new connection; return status, Cache-Control, body."""
    connection = http.client.HTTPConnection(*cluster.address, timeout=30)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.getheader("Cache-Control", ""), reply.read()
    finally:
        connection.close()


def _check_assets_across_releases(cluster: Cluster) -> tuple[set[str], Counter]:
    """While hosts of two releases serve, ask nginx for both releases' stylesheet names.

    Every answer is a stylesheet (never a 404), and one is "immutable" only when its content
    is the one its name was made from."""
    names: set[str] = set()
    for _ in range(12):
        status, _cache, page = _get(cluster, "/")
        assert status == 200
        names |= set(re.findall(r"/static/css/consult\.[0-9a-f]{10}\.css", page.decode()))
    answers: Counter = Counter()
    for name in sorted(names):
        _plain, digest = split_hashed_name(name.removeprefix("/static/"))
        for _ in range(9):
            status, cache, body = _get(cluster, name)
            assert status == 200, (name, status)
            assert cache in (IMMUTABLE, OTHER_RELEASE), (name, cache)
            if cache == IMMUTABLE:
                assert hashlib.sha256(body).hexdigest()[:10] == digest, name
            answers[cache] += 1
    return names, answers


def test_a_rolling_upgrade_expand_then_contract(cluster: Cluster, tmp_path: Path, findings):
    expand = new_release(tmp_path / "expand", THIS_RELEASE, "9100_rollout_expand", EXPAND)
    # The new release changes a stylesheet: its pages name it by another hash.
    stylesheet = expand / "static" / "css" / "consult.css"
    stylesheet.write_text(stylesheet.read_text("utf-8") + "\n/* release 9100 */\n", "utf-8")
    contract = new_release(tmp_path / "contract", expand, "9101_rollout_contract", CONTRACT)
    steps = []
    nginx_mark = cluster.nginx.log_mark()
    with Load(cluster, first_index=3000) as load:
        load.wait_acknowledged(10)
        for release in (expand, contract):
            for host in cluster.hosts:
                took = cluster.replace_host(host, release)
                steps.append(f"{host.instance.name}->{release.name} {took:.1f}s")
                if release is expand and host is cluster.hosts[0]:
                    names, answers = _check_assets_across_releases(cluster)
                    findings(
                        f"one host on the new release: {len(names)} stylesheet names in the "
                        f"pages, asked 9 times each through nginx: {dict(answers)}, no 404"
                    )
                    assert len(names) == 2 and set(answers) == {IMMUTABLE, OTHER_RELEASE}
                load.wait_acknowledged(len(load.tally.acknowledged) + 3)
    engine = create_engine(cluster.postgres.url)
    try:
        with engine.connect() as connection:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    findings(f"rolling upgrade: {', '.join(steps)}; schema at {revision}; {load.figures()}")
    findings(f"nginx about the hosts: {cluster.nginx.upstream_errors(nginx_mark)}")
    findings(_check_nothing_lost(cluster, load))
    assert revision == "9101"
    # Each host is drained before it stops (nginx reloaded without it, its old workers gone):
    # no request reaches a stopping host, so no client sees a 5xx. What clients may see is a
    # keep-alive connection that an old nginx worker closed between two requests (counted as
    # a connection failure): a browser sends the request again on a new one by itself.
    assert [code for code in load.tally.statuses if code >= 500] == [], load.figures()
    assert cluster.nginx.upstream_errors(nginx_mark) == {}


def test_every_message_is_delivered_once_by_the_hosts_senders(cluster: Cluster, findings) -> None:
    """Three senders (one per host) emptied one outbox into one SMTP server during every
    scenario above, one of them killed with its host: each receipt was delivered, and none
    twice but for those a killed sender had handed over without recording them yet."""
    engine = create_engine(cluster.postgres.url)
    deadline = time.monotonic() + 120
    try:
        while True:
            with engine.connect() as connection:
                queued = dict(
                    connection.execute(text("SELECT message_id, state FROM mail_outbox")).all()
                )
                # Messages claimed more than once: a claim lapsed (e.g. the killed host's).
                taken_up_again = connection.scalar(
                    text("SELECT count(*) FROM mail_outbox WHERE attempts > 1")
                )
            if "pending" not in queued.values() or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    with cluster.mail.lock:
        deliveries = {key.strip("<>"): n for key, n in cluster.mail.deliveries.items()}
    queued = {key.strip("<>"): state for key, state in queued.items()}
    missing = sorted(key for key in queued if key not in deliveries)
    unknown = sorted(key for key in deliveries if key not in queued)
    twice = {key: n for key, n in deliveries.items() if n > 1}
    findings(
        f"mail: {len(queued)} messages queued (receipts), {sum(deliveries.values())} deliveries "
        f"by 3 senders, states {dict(Counter(queued.values()))}, not delivered {len(missing)}, "
        f"delivered twice {len(twice)}, claimed more than once {taken_up_again}"
    )
    assert len(queued) > 100, "the scenarios queued too few receipts to prove anything"
    assert set(queued.values()) == {"sent"}, Counter(queued.values())
    assert missing == [] and unknown == []
    # One host was killed with kill -9: its sender records outcomes every MAIL_RECORD_EVERY
    # messages (or second), so it may have had up to that many accepted by the server and not
    # yet recorded (see consult.mail.sender). Those, and only those, are sent again, once, by
    # the sender that takes up their lapsed claim; nothing else is ever sent twice.
    assert len(twice) <= min(MAIL_DEFAULTS["MAIL_RECORD_EVERY"], taken_up_again), twice
    assert set(twice.values()) <= {2}, twice
