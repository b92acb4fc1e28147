"""The `consult` command line: a Flask CLI group, so `flask --app consult ...` works too."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from consult.config import Defaults
from consult.core.terminal import Secret, echo_lines, is_terminal  # noqa: F401 - re-exported

#: Further steps `consult init` runs after the schema and definitions, registered by features
#: (e.g. the staff workspace creates the first admin). Each takes the app, returns lines to print.
INIT_STEPS: list[Callable[[Flask], list[str]]] = []


def init_database(app: Flask) -> list[str]:
    """Create or upgrade the schema and load the definitions; safe to run in several processes."""
    from consult import schema
    from consult.db import db, writing
    from consult.questionnaires.registry import current_questionnaires
    from consult.questionnaires.versions import sync_definitions

    lines = []
    # One process at a time, from the schema to the last step: several workers or hosts that
    # start together must not each load the definitions or each create a first admin.
    with schema.init_lock(db.engine, app.instance_path):
        if schema.upgrade(db.engine, app.instance_path, locked=True):
            lines.append("database schema created or upgraded")
        with writing():
            lines += sync_definitions(db.session, current_questionnaires())
            db.commit()
        for step in INIT_STEPS:
            lines += step(app)
    return lines


@click.command("init")
@click.option(
    "--admin-email",
    default=None,
    help="E-mail address of the first admin, created on a database without accounts "
    "(default: CONSULT_ADMIN_EMAIL, or asked for in a terminal).",
)
@with_appcontext
def init_command(admin_email: str | None) -> None:
    """Create or upgrade the database and load the questionnaire definitions."""
    from consult.questionnaires.versions import FrozenVersionError

    app = current_app._get_current_object()
    if admin_email:
        app.config["ADMIN_EMAIL"] = admin_email
    app.config["INIT_INTERACTIVE"] = sys.stdin.isatty()
    try:
        lines = init_database(app)
    except FrozenVersionError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_lines(lines)
    click.echo(f"database ready: {_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("serve")
@click.option("--bind", default="127.0.0.1:5000", show_default=True, help="Address to listen on.")
@click.option(
    "--workers", type=int, default=None, help="Worker processes (default: 2 x CPUs + 1, at most 8)."
)
@click.option(
    "--timeout",
    type=int,
    default=120,
    show_default=True,
    help="A worker busy on one request for longer than this is restarted.",
)
@click.option(
    "--graceful-timeout",
    type=int,
    default=30,
    show_default=True,
    help="On stop, seconds requests in flight get to finish.",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option(
    "--max-worker-memory",
    type=click.FloatRange(min=64),
    default=512,
    show_default=True,
    help="A worker using more MiB than this after a request is replaced.",
)
@with_appcontext
def serve_command(
    bind: str,
    workers: int | None,
    timeout: int,
    graceful_timeout: int,
    access_log: bool,
    max_worker_memory: float,
) -> None:
    """Serve the application with gunicorn (initialising the database first)."""
    from consult.db import db
    from consult.questionnaires.versions import FrozenVersionError
    from consult.serving import default_workers, serve

    app = current_app._get_current_object()
    try:
        lines = init_database(app)
    except FrozenVersionError as exc:
        raise click.ClickException(str(exc)) from exc
    # The first admin's one-time password reaches a terminal only, never the server's log.
    echo_lines(lines, err=True)
    # Housekeeping at each start (there is no scheduler: run the command from cron as well).
    click.echo(f"deleted {purge_drafts(app)} empty drafts", err=True)
    if not app.config.get("BASE_URL"):
        # Links are never built from the Host header: without a base URL, the bind address.
        derived = "http://" + (bind if not bind.startswith("unix:") else "localhost")
        os.environ["CONSULT_BASE_URL"] = derived
        click.echo(
            f"CONSULT_BASE_URL is not set: personal links will start with {derived}; "
            "set it to the address the public uses (e.g. https://consult.example.org)",
            err=True,
        )
    from consult.mail.cli import spawn_sender, stop_sender

    # The workers are forked from this process: they must not inherit its open connections.
    db.engine.dispose()
    # E-mail is sent by its own process, never by a worker inside a request.
    sender = spawn_sender()
    try:
        serve(
            bind=bind,
            workers=workers or default_workers(),
            timeout=timeout,
            graceful_timeout=graceful_timeout,
            access_log=access_log,
            max_worker_memory_mb=max_worker_memory,
        )
    finally:
        stop_sender(sender)


@click.group("questionnaires")
def questionnaires_group() -> None:
    """Questionnaire definitions."""


@questionnaires_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate definition files (default: every questionnaire in the questionnaires folder)."""
    from consult.questionnaires.definition import DefinitionError
    from consult.questionnaires.parsing import definition_files, load_all

    folder = Path(os.environ.get("CONSULT_QUESTIONNAIRES_PATH", Defaults.QUESTIONNAIRES_PATH))
    files = list(paths) if paths else definition_files(folder)
    if not files:
        raise click.ClickException(f"no questionnaire files in {folder}")
    try:
        questionnaires = load_all(files)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found", err=True)
        sys.exit(1)
    for questionnaire in questionnaires.values():
        click.echo(
            f"ok: {questionnaire.key} version {questionnaire.version}: "
            f"{len(questionnaire.sections)} sections, {len(questionnaire.questions)} questions"
        )


@questionnaires_group.command("rebuild-documents")
@click.option("--missing-only", is_flag=True, help="Only responses that have no document.")
@with_appcontext
def rebuild_documents_command(missing_only: bool) -> None:
    """Rebuild answers documents from the answer rows (after a fix in SQL).

    A submitted response's document is rebuilt from its rows; a draft's (its answers are the
    document) only when it has none.
    """
    from consult.db import db, writing
    from consult.questionnaires.versions import rebuild_answers_documents

    with writing():
        count = rebuild_answers_documents(db.session.connection(), missing_only=missing_only)
        db.commit()
    click.echo(f"rebuilt the answers document of {count} responses")


@questionnaires_group.command("purge-drafts")
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(min=0),
    default=None,
    help="Days without a change (default: EMPTY_DRAFT_DAYS, 7).",
)
@with_appcontext
def purge_drafts_command(days: float | None) -> None:
    """Delete drafts with no answer at all, untouched for DAYS (drafts with answers are kept)."""
    count = purge_drafts(current_app._get_current_object(), days)
    click.echo(f"deleted {count} empty drafts")


def purge_drafts(app: Flask, days: float | None = None) -> int:
    """Delete the empty drafts older than ``days`` (default EMPTY_DRAFT_DAYS); return how many."""
    from consult.campaign.links import purge_retired_pledge_links
    from consult.db import db, writing
    from consult.questionnaires.housekeeping import purge_empty_drafts, purge_retired_links

    with writing():
        count = purge_empty_drafts(
            db.session, days if days is not None else app.config["EMPTY_DRAFT_DAYS"]
        )
        purge_retired_links(db.session)  # replaced links explain themselves for a year
        purge_retired_pledge_links(db.session)  # and so do a pledge's
        db.commit()
    from consult.maintenance.sweep import sweep

    sweep(app)  # kept staff forms and written messages past their time
    return count


def _feature_commands() -> list[click.Command]:
    from consult.mail.cli import mail_group
    from consult.maintenance.cli import COMMANDS as maintenance_commands
    from consult.outcomes.cli import COMMANDS as outcomes_commands
    from consult.staff.cli import user_group
    from consult.staff.exporting import export_group

    return [user_group, export_group, mail_group, *maintenance_commands, *outcomes_commands]


def _init_steps() -> None:
    from consult.campaign.defaults import default_options_step
    from consult.staff.cli import first_admin_step

    for step in (first_admin_step, default_options_step):
        if step not in INIT_STEPS:
            INIT_STEPS.append(step)


COMMANDS = [init_command, serve_command, questionnaires_group]


def init_app(app: Flask) -> None:
    """Register the commands on the app (for `flask --app consult`)."""
    _init_steps()
    for command in [*COMMANDS, *_feature_commands()]:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from consult import create_app

    return create_app()


def main() -> None:
    """Run the `consult` command line."""
    group = FlaskGroup(
        create_app=_create_app, help="Consult: the Charter-Agenda revision platform."
    )
    for command in [*COMMANDS, *_feature_commands()]:
        group.add_command(command)
    group.main(prog_name="consult")
