"""`consult user ...`: staff accounts from the command line, and the first admin at init."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from consult.core import terminal as command_line
from consult.db import db, writing
from consult.staff import audit, operations
from consult.staff.access import ROLES
from consult.staff.models import User


@click.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--own-password",
    is_flag=True,
    help="The account's owner typed the password: not one-time (e.g. an operator's own account).",
)
@with_appcontext
def create_command(email: str, role: str, password_stdin: bool, own_password: bool) -> None:
    """Create a staff account (the password is prompted for, or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with writing():
            # Typed by whoever runs the command: one-time, replaced at the first sign-in, unless
            # its owner typed it.
            user = operations.create_user(
                db.session, email, role, password, one_time=not own_password
            )
            audit.record(
                db.session,
                audit.COMMAND_LINE,
                "user.created",
                target=user.email,
                details={"role": role},
            )
            db.commit()
    except operations.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.email} ({user.role})")
    if not own_password:
        click.echo(_one_time_note(app_hours()))


def app_hours() -> int:
    """How many hours a one-time password opens the page that replaces it."""
    return int(current_app.config["STAFF_ONE_TIME_PASSWORD_HOURS"])


def _one_time_note(hours: int) -> str:
    return (
        f"this password is one-time: at the first sign-in, within {hours} hours, it must be "
        "replaced by one only its owner knows"
    )


def _password_lines(email: str, password: str, hours: int) -> list[str]:
    """The lines that show a one-time password (a terminal only: consult.core.terminal)."""
    return [
        f"  e-mail:   {email}",
        command_line.Secret(
            f"  password: {password}",
            "  password: not shown, as this output is not a terminal and may be kept in a log; "
            f"run `consult user reset-password {email}` in a terminal for a new one",
        ),
        f"sign in at /staff/login within {hours} hours: the first page asks for a password "
        "of your own, and this one then stops working",
    ]


@user_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "enabled" if user.is_enabled else "disabled"
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
        click.echo(f"{user.email}\t{user.role}\t{state}\tlast login: {last}")


@user_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Disable a staff account (its sessions end at once)."""
    with writing():
        user = operations.find_user(db.session, email)
        if user is None:
            raise click.ClickException(f"no account {email}")
        try:
            operations.set_enabled(db.session, user, False)
        except operations.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.record(db.session, audit.COMMAND_LINE, "user.disabled", target=user.email)
        db.commit()
    click.echo(f"disabled {user.email}")


@user_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    """Enable a disabled staff account again."""
    with writing():
        user = operations.find_user(db.session, email)
        if user is None:
            raise click.ClickException(f"no account {email}")
        operations.set_enabled(db.session, user, True)
        audit.record(db.session, audit.COMMAND_LINE, "user.enabled", target=user.email)
        db.commit()
    click.echo(f"enabled {user.email}")


def first_admin_step(app: Flask) -> list[str]:
    """At `consult init` on a database with no accounts, create the first admin.

    Its address comes from `consult init --admin-email`, CONSULT_ADMIN_EMAIL, or a prompt when
    `consult init` runs in a terminal; without one, no account is created (and none is guessed).
    """
    exists = operations.has_accounts(db.session)
    db.commit()
    if exists:
        return []
    email = (app.config.get("ADMIN_EMAIL") or "").strip()
    if not email and app.config.get("INIT_INTERACTIVE"):
        email = click.prompt("E-mail address of the first admin").strip()
    if not email:
        return [
            "no staff account yet: run `consult init --admin-email YOU@EXAMPLE.ORG` (or set "
            "CONSULT_ADMIN_EMAIL) to create the first admin"
        ]
    try:
        with writing():
            created = operations.ensure_first_admin(db.session, email)
            if created is not None:
                audit.record(
                    db.session,
                    audit.COMMAND_LINE,
                    "user.created",
                    target=created[0],
                    details={"role": "admin", "first_admin": True},
                )
            db.commit()
    except operations.AccountError as exc:
        raise click.ClickException(f"first admin: {exc}") from exc
    if created is None:
        return []
    email, password = created
    hours = int(app.config["STAFF_ONE_TIME_PASSWORD_HOURS"])
    return [
        "created the first admin account, with a one-time password shown only here:",
        *_password_lines(email, password, hours),
    ]


@user_group.command("reset-password")
@click.argument("email")
@with_appcontext
def reset_password_command(email: str) -> None:
    """Give an account a new one-time password, shown in this terminal only (its sessions end).

    The way back in for an admin whose one-time password expired, or who is the only admin.
    """
    if not command_line.is_terminal():
        # The new password could be shown nowhere but a log: change nothing.
        raise click.ClickException(
            "run this in a terminal: the new password is shown there only, never into a log"
        )
    with writing():
        user = operations.find_user(db.session, email)
        if user is None:
            raise click.ClickException(f"no account {email}")
        password = operations.reset_password(db.session, user)
        audit.record(db.session, audit.COMMAND_LINE, "user.password_reset", target=user.email)
        db.commit()
    command_line.echo_lines(
        [
            f"new one-time password of {user.email}; its sessions were signed out:",
            *_password_lines(user.email, password, app_hours()),
        ]
    )


@user_group.command("unlock")
@click.argument("email")
@with_appcontext
def unlock_command(email: str) -> None:
    """Clear an account's failed sign-ins from every address (sign-in waits end at once)."""
    from consult.staff import throttle

    with writing():
        address = operations.normalise_email(email)
        cleared = throttle.clear(db.session, address)
        audit.record(
            db.session,
            audit.COMMAND_LINE,
            "login.unlocked",
            target=address,
            details={"failures_cleared": cleared},
        )
        db.commit()
    click.echo(f"cleared {cleared} failed sign-in(s) of {address}")
