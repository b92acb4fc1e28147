"""`consult mail ...`: run the sender, queue a test message, see the outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select


@click.group("mail")
def mail_group() -> None:
    """E-mail: the outbox and its sender."""


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending as messages arrive (until stopped).")
@click.option("--parent-pid", type=int, default=None, hidden=True)
@with_appcontext
def send_command(loop: bool, parent_pid: int | None) -> None:
    """Deliver the outbox over SMTP (or into .eml files without CONSULT_MAIL_HOST)."""
    from consult.mail.sender import LoginRefused, run

    app = current_app._get_current_object()
    stop = threading.Event()
    # On SIGTERM, finish the message in hand, give the rest of the batch back, and stop.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        count = run(app, loop=loop, stop=stop, parent_pid=parent_pid)
    except KeyboardInterrupt:
        return
    except LoginRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if not loop:
        # The number first: scripts read it (tests/mail/test_sender_processes.py does).
        click.echo(
            f"{count} message(s) tried by this run (`consult mail status`: the whole outbox)"
        )


@mail_group.command("test")
@click.argument("address")
@click.option("--language", type=click.Choice(["en", "fr", "es"]), default="en")
@with_appcontext
def test_command(address: str, language: str) -> None:
    """Queue a test message to ADDRESS (then `consult mail send` delivers it)."""
    from consult.db import db, writing
    from consult.mail.messages import queue
    from consult.mail.outbox import InvalidAddress

    with current_app.test_request_context(), writing():
        try:
            message = queue(db.session, "test", address, language)
        except InvalidAddress as exc:
            raise click.ClickException(f"not an e-mail address: {address}") from exc
        db.commit()
    click.echo(f"queued message {message.id} to {message.recipient_email}")


@mail_group.command("digest")
@with_appcontext
def digest_command() -> None:
    """Queue today's moderation digest to the moderators who asked for it (once a day each)."""
    from consult.mail.digest import run_for_app

    count = run_for_app(current_app._get_current_object())
    click.echo(f"{count} digest(s) queued by this run")


@mail_group.command("status")
@with_appcontext
def status_command() -> None:
    """Count the outbox's messages by state (every message it holds, not one run's)."""
    from consult.db import db
    from consult.mail.models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    ).all()
    click.echo(f"the outbox holds {sum(n for _s, n in rows)} message(s), from every run:")
    for state, count in sorted(rows):
        click.echo(f"  {state}: {count}")


def spawn_sender() -> subprocess.Popen | None:
    """Start `consult mail send --loop` beside the server; it stops when the server does."""
    if not current_app.config["MAIL_SENDER_WITH_SERVE"]:
        return None
    code = "from consult.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "mail", "send", "--loop", "--parent-pid", str(os.getpid())],
        env=os.environ.copy(),
    )


def stop_sender(process: subprocess.Popen | None) -> None:
    """Stop the sender started with the server (it finishes the message in hand first)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
