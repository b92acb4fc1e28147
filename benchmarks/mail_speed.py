"""Mail speed: 10,000 invitations through a local SMTP server, against the server's own rate.

    .venv/bin/python benchmarks/mail_speed.py [--invitations N] [--rounds R] [--postgres URL]

1. Queues N invitations the way the workspace does (one transaction; each rendered in its
   invitee's language with its personal and unsubscribe links) and times it.
2. Then R rounds on the same local aiosmtpd server (in its own process, counting what it
   accepts, and offering PIPELINING as Postfix, Exim and the hosted relays do), each round:
   - the floor: N/R copies of one queued message sent by bare clients that do no work of
     their own, over one connection: a smtplib loop (four round trips a message) and a
     pipelined loop (MAIL, RCPT and DATA in one write: two). The faster of the two is the
     round's floor: the most the server accepts;
   - the sender (`consult mail send`'s loop, in its own process, started once) delivers the
     next N/R queued messages: claims batches, builds each message (consult.mail.compose),
     sends it over one kept connection, writes the outcomes every MAIL_RECORD_EVERY messages.
   The two alternate (floor first in even rounds, sender first in odd ones), so that a load
   that comes and goes on the machine weighs on both alike. Printed: each side's messages per
   second over all rounds, the ratio sender/floor of those totals, and the spread of the
   per-round ratios.
3. The sender's peak memory: VmHWM of its process (its own high-water mark), after create_app
   and at the end. ``ru_maxrss`` is printed beside it to show why it is not used: Linux hands
   a new process the high-water mark of the process that started it, here the benchmark after
   queueing N messages, so that figure grew with N whatever the sender did.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ports import free_port  # noqa: E402 - after the path is set

FROM = "consult@cisdp.test"


def child_server(port: int) -> None:
    """Run an SMTP server that accepts and counts every message, until stdin closes."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0

        async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            Counter.count += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(Counter.count, flush=True)


def high_water_mb() -> float:
    """This process's own peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_send(settings: dict[str, str]) -> None:
    """Create the app, then deliver as many queued messages as each line on stdin asks."""
    os.environ.update(settings)
    from consult import create_app
    from consult.mail.sender import Settings, send_batch
    from consult.mail.transports import transport_for

    app = create_app()
    after_app = high_water_mb()
    mail = Settings.from_app(app)
    factory = app.extensions["consult.db"].factory
    transport = transport_for(mail)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        wanted, count = int(line), 0
        started, cpu = time.perf_counter(), time.process_time()
        # The loop of consult.mail.sender.run, stopped after ``wanted`` messages.
        while count < wanted:
            with app.app_context(), factory() as session:
                tried = send_batch(session, mail, transport)
            if not tried:
                break
            count += tried
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(json.dumps({"seconds": seconds, "cpu": cpu, "count": count}), flush=True)
    transport.close()
    inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"after_app_mb": after_app, "peak_mb": high_water_mb(), "ru_maxrss_mb": inherited}
        )
    )


def queue_invitations(app, count: int) -> tuple[float, bytes]:
    """Create and queue ``count`` invitations; return the seconds taken and one message's bytes."""
    from flask import g
    from sqlalchemy import func, select

    from consult.db import db, writing
    from consult.mail import invitees
    from consult.mail.models import OutboxMessage
    from consult.mail.sender import Settings, message_bytes
    from consult.questionnaires.registry import get_questionnaire
    from consult.staff import invitations
    from consult.staff.invitation_views import link_for
    from consult.staff.operations import create_user

    languages = ("en", "fr", "es")
    with app.test_request_context(), writing():
        user = create_user(db.session, "staff@cisdp.test", "admin", "correct-horse-battery-42")
        # Signed in, as in the workspace: a staff action is not metered like a public request
        # (consult/mail/quota.py), which would queue only the first 20 messages.
        g._login_user = user
        rows = [
            invitations.ParsedInvitation(
                i + 2, f"Municipality {i:05d}", "FR", f"city{i}@example.org", None, languages[i % 3]
            )
            for i in range(count)
        ]
        created = invitations.create_invitations(
            db.session, rows, user, invitations.INVITATION_QUESTIONNAIRE
        )
        db.commit()
        statuses = invitations.statuses(db.session, invitations.INVITATION_QUESTIONNAIRE, {})
        started = time.perf_counter()
        invitees.queue_for(
            db.session,
            "invitation",
            statuses,
            get_questionnaire(invitations.INVITATION_QUESTIONNAIRE),
            link_for,
        )
        db.commit()
        seconds = time.perf_counter() - started
        sample = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
        data = message_bytes(sample, Settings.from_app(app))
    assert len(created) == count
    with app.app_context():
        queued = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert queued == count, f"{queued} of {count} invitations queued"
    return seconds, data


def floor_smtplib(port: int, data: bytes, count: int) -> float:
    """Seconds a bare smtplib loop takes to send ``data`` ``count`` times (four round trips)."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as connection:
        for i in range(count):
            connection.sendmail(FROM, [f"city{i}@example.org"], data)
    return time.perf_counter() - started


def floor_pipelined(port: int, data: bytes, count: int) -> float:
    """Seconds a bare pipelining client takes to send ``data`` ``count`` times (two round trips)."""
    content = data.replace(b"\r\n.", b"\r\n..") + b".\r\n"
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        replies = raw.makefile("rb")

        def reply() -> int:
            while True:
                line = replies.readline()
                if line[3:4] != b"-":
                    return int(line[:3])

        assert reply() == 220
        raw.sendall(b"EHLO bench.test\r\n")
        assert reply() == 250
        for i in range(count):
            raw.sendall(f"MAIL FROM:<{FROM}>\r\nRCPT TO:<city{i}@example.org>\r\nDATA\r\n".encode())
            assert (reply(), reply(), reply()) == (250, 250, 354)
            raw.sendall(content)
            assert reply() == 250
        raw.sendall(b"QUIT\r\n")
        reply()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of SQLite")
    parser.add_argument("--child-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-send", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_server:
        child_server(args.child_server)
        return
    if args.child_send:
        child_send(json.loads(args.child_send))
        return

    from consult import create_app
    from consult.cli import init_database

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--child-server", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout.readline().strip() == "ready"
    n, rounds = args.invitations, args.rounds
    per_round = -(-n // rounds)
    floors: list[tuple[int, float, float, float]] = []  # (count, seconds, smtplib, pipelined)
    sends: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        url = args.postgres or f"sqlite:///{scratch}/bench.sqlite3"
        settings = {
            "CONSULT_INSTANCE_PATH": scratch,
            "CONSULT_DATABASE_URL": url,
            "CONSULT_SECRET_KEY": "benchmark-secret-key",
            "CONSULT_MAIL_HOST": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(port),
            "CONSULT_MAIL_SECURITY": "none",
            "CONSULT_MAIL_FROM": FROM,
        }
        app = create_app(
            {
                "INSTANCE_PATH": scratch,
                "DATABASE_URL": url,
                "SECRET_KEY": settings["CONSULT_SECRET_KEY"],
                "MAIL_FROM": FROM,
                "SERVER_NAME": "consult.example.org",
                "PREFERRED_URL_SCHEME": "https",
            }
        )
        with app.app_context():
            init_database(app)
        queue_seconds, data = queue_invitations(app, n)
        app.extensions["consult.db"].engine.dispose()
        queue_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        sender = subprocess.Popen(
            [sys.executable, __file__, "--child-send", json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(sender.stdout.readline())["ready"]

        def send(count: int) -> None:
            sender.stdin.write(f"{count}\n")
            sender.stdin.flush()
            sends.append(json.loads(sender.stdout.readline()))

        def floor(count: int) -> None:
            plain = floor_smtplib(port, data, count)
            piped = floor_pipelined(port, data, count)
            floors.append((count, min(plain, piped), plain, piped))

        left = n
        for i in range(rounds):
            count = min(per_round, left)
            left -= count
            for step in (floor, send) if i % 2 == 0 else (send, floor):
                step(count)
        sender.stdin.close()
        memory = json.loads(sender.stdout.readline())
        sender.wait()
    server.stdin.close()
    accepted = int(server.stdout.read().strip())
    server.wait()

    sent = sum(s["count"] for s in sends)
    send_seconds = sum(s["seconds"] for s in sends)
    send_rate = sent / send_seconds
    floor_count = sum(f[0] for f in floors)
    floor_rate = floor_count / sum(f[1] for f in floors)
    ratios = [
        (s["count"] / s["seconds"]) / (f[0] / f[1]) for s, f in zip(sends, floors, strict=True)
    ]
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; message size {len(data)} B")
    print(
        f"queue {n} invitations (render + insert, one transaction): {queue_seconds:.1f} s, "
        f"{n / queue_seconds:.0f} msg/s"
    )
    print(f"{rounds} rounds of {per_round}, floor and sender alternating:")
    print(
        f"  floor (faster bare client):  {floor_rate:.0f} msg/s "
        f"(smtplib loop {floor_count / sum(f[2] for f in floors):.0f}, "
        f"pipelined loop {floor_count / sum(f[3] for f in floors):.0f})"
    )
    print(
        f"  consult mail send:           {send_rate:.0f} msg/s ({sent} sent in "
        f"{send_seconds:.1f} s; CPU {sum(s['cpu'] for s in sends) / sent * 1000:.2f} ms/msg)"
    )
    print(
        f"ratio sender/floor: {send_rate / floor_rate:.2f} (per round: median "
        f"{statistics.median(ratios):.2f}, {min(ratios):.2f} to {max(ratios):.2f})"
    )
    print(
        f"sender peak memory (VmHWM): {memory['peak_mb']:.0f} MB "
        f"({memory['after_app_mb']:.0f} MB after create_app); its ru_maxrss, inherited from "
        f"this process ({queue_peak:.0f} MB after queueing): {memory['ru_maxrss_mb']:.0f} MB"
    )
    print(f"server accepted {accepted} messages (floors 2 x {floor_count} + sender {sent})")
    assert sent == n and accepted == 2 * floor_count + sent


if __name__ == "__main__":
    main()
