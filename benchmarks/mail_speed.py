"""Mail speed: 10,000 invitations through a local SMTP server, against the server's own rate.

    .venv/bin/python benchmarks/mail_speed.py [--invitations N] [--postgres URL]

1. Queues N invitations the way the workspace does (one transaction; each rendered in its
   invitee's language with its personal and unsubscribe links) and times it.
2. The floor: a bare smtplib client sending the same message N times over one connection to
   the same local aiosmtpd server: the most the server accepts, with no client work at all.
3. The sender (`consult mail send`, in its own process) delivers the N queued messages: claims
   batches, builds each message with the email package (a couple ahead, in a second thread),
   sends them over one kept connection, writes the outcomes a few transactions per batch. Its
   messages per second over the floor's is the ratio printed, with the sender process's peak
   resident memory and CPU time per message.

The floor is measured before and after the sender and the faster of the two is used (the
machine's load changes while it runs; the faster floor is the harder target).

The SMTP server runs in its own process (aiosmtpd, counting what it accepts), so that neither
client shares its interpreter with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ports import free_port  # noqa: E402 - after the path is set


def child_server(port: int) -> None:
    """Run an SMTP server that accepts and counts every message, until stdin closes."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            Counter.count += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(Counter.count, flush=True)


def child_send(settings: dict[str, str]) -> None:
    """Deliver the outbox once (in this process) and print seconds, count and peak memory."""
    os.environ.update(settings)
    from consult import create_app
    from consult.mail.sender import run

    app = create_app()
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        count = run(app, loop=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "count": count, "peak_mb": peak_kb / 1024}))


def queue_invitations(app, count: int) -> tuple[float, bytes]:
    """Create and queue ``count`` invitations; return the seconds taken and one message's bytes."""
    from sqlalchemy import select

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
    return seconds, data


def floor(port: int, data: bytes, count: int) -> tuple[float, float]:
    """Seconds (wall, CPU) a bare smtplib loop takes to send ``data`` ``count`` times."""
    started, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as connection:
        for i in range(count):
            connection.sendmail("consult@cisdp.test", [f"city{i}@example.org"], data)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=10_000)
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
    with tempfile.TemporaryDirectory() as scratch:
        url = args.postgres or f"sqlite:///{scratch}/bench.sqlite3"
        settings = {
            "CONSULT_INSTANCE_PATH": scratch,
            "CONSULT_DATABASE_URL": url,
            "CONSULT_SECRET_KEY": "benchmark-secret-key",
            "CONSULT_MAIL_HOST": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(port),
            "CONSULT_MAIL_SECURITY": "none",
            "CONSULT_MAIL_FROM": "consult@cisdp.test",
        }
        app = create_app(
            {
                "INSTANCE_PATH": scratch,
                "DATABASE_URL": url,
                "SECRET_KEY": settings["CONSULT_SECRET_KEY"],
                "MAIL_FROM": "consult@cisdp.test",
                "SERVER_NAME": "consult.example.org",
                "PREFERRED_URL_SCHEME": "https",
            }
        )
        with app.app_context():
            init_database(app)
        queue_seconds, data = queue_invitations(app, args.invitations)
        app.extensions["consult.db"].engine.dispose()

        floor_before = floor(port, data, args.invitations)
        reply = subprocess.run(
            [sys.executable, __file__, "--child-send", json.dumps(settings)],
            capture_output=True,
            text=True,
            check=True,
        )
        sent = json.loads(reply.stdout.strip().splitlines()[-1])
        floor_after = floor(port, data, args.invitations)
    server.stdin.close()
    accepted = int(server.stdout.read().strip())
    server.wait()

    n = args.invitations
    floor_seconds, floor_cpu = min(floor_before, floor_after)
    floor_rate = n / floor_seconds
    send_rate = sent["count"] / sent["seconds"]
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; message size {len(data)} B")
    print(
        f"queue {n} invitations (render + insert, one transaction): {queue_seconds:.1f} s, "
        f"{n / queue_seconds:.0f} msg/s"
    )
    print(
        f"floor, bare smtplib loop:  {floor_seconds:.1f} s, {floor_rate:.0f} msg/s "
        f"(before {n / floor_before[0]:.0f}, after {n / floor_after[0]:.0f}; "
        f"client CPU {floor_cpu / n * 1000:.2f} ms/msg)"
    )
    print(
        f"consult mail send:         {sent['seconds']:.1f} s, {send_rate:.0f} msg/s "
        f"({sent['count']} sent; CPU {sent['cpu'] / sent['count'] * 1000:.2f} ms/msg)"
    )
    print(f"ratio sender/floor: {send_rate / floor_rate:.2f}")
    print(f"sender peak memory (RSS): {sent['peak_mb']:.0f} MB")
    print(f"server accepted {accepted} messages (floor 2 x {n} + sender {sent['count']})")


if __name__ == "__main__":
    main()
