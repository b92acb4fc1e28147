"""`consult backup`, `consult restore` and `consult migrate-to`: keep the data safe and movable."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from consult.db import db, make_engine
from consult.maintenance.backup import BackupError, backup, restore
from consult.maintenance.transfer import TransferError, copy_database


def normalise_url(url: str) -> str:
    """Use the psycopg driver for a plain postgresql:// URL (the only driver installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (must not exist); its manifest goes next to it.",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the database while the app serves (SQLite backup API, or pg_dump)."""
    try:
        manifest = backup(db.engine, out, current_app.config["SQLITE_BUSY_TIMEOUT"])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, figures in manifest.tables.items():
        click.echo(f"{name:32} {figures.rows:>9} rows  sha256 {figures.checksum[:16]}")
    total = sum(f.rows for f in manifest.tables.values())
    click.echo(
        f"backup written: {out} ({manifest.format}, {out.stat().st_size} bytes, {total} rows, "
        f"schema {manifest.revision}); manifest: {out.name}.manifest.json"
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup into this (empty) database and check it against its manifest."""
    try:
        report = restore(db.engine, path, force=force, instance_path=current_app.instance_path)
    except (BackupError, TransferError) as exc:
        raise click.ClickException(str(exc)) from exc
    for name, figures in report.tables.items():
        expected = (report.expected or {}).get(name)
        verdict = "-" if expected is None else ("ok" if expected == figures else "DIFFERS")
        click.echo(f"{name:32} {figures.rows:>9} rows  sha256 {figures.checksum[:16]}  {verdict}")
    click.echo(f"integrity: {report.integrity}")
    if report.expected is None:
        click.echo("no manifest next to the backup: counts shown, nothing to compare them with")
    if report.mismatches or not report.integrity.startswith("ok"):
        click.echo(f"restore NOT verified: {', '.join(report.mismatches) or 'integrity'}", err=True)
        sys.exit(1)
    click.echo(f"restored {path} into {_safe(current_app.config['DATABASE_URL'])}: verified")


@click.command("migrate-to")
@click.argument("url")
@click.option("--batch-size", default=1000, show_default=True, help="Rows per insert batch.")
@click.option("--replace", is_flag=True, help="Empty a target that already holds data first.")
@with_appcontext
def migrate_to_command(url: str, batch_size: int, replace: bool) -> None:
    """Copy the whole database to URL (SQLite <-> PostgreSQL) and prove it table by table."""
    target = make_engine(normalise_url(url), current_app.config["SQLITE_BUSY_TIMEOUT"])
    bar = None

    def on_total(total: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label="copying rows", file=sys.stderr)
        bar.__enter__()

    def progress(_table: str, rows: int) -> None:
        if bar is not None:
            bar.update(rows)

    try:
        proofs = copy_database(
            db.engine,
            target,
            instance_path=current_app.instance_path,
            batch_size=batch_size,
            replace=replace,
            progress=progress,
            on_total=on_total,
        )
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        target.dispose()
    click.echo(f"{'table':32} {'source':>9} {'target':>9}  {'checksum (sha256)':20} match")
    for proof in proofs:
        same_sum = proof.source.checksum == proof.target.checksum
        shown = proof.source.checksum[:16] + ("" if same_sum else "/" + proof.target.checksum[:16])
        click.echo(
            f"{proof.table:32} {proof.source.rows:>9} {proof.target.rows:>9}  {shown:20} "
            f"{'ok' if proof.matches else 'DIFFERS'}"
        )
    wrong = [p.table for p in proofs if not p.matches]
    if wrong:
        click.echo(f"copy NOT verified: {', '.join(wrong)} differ", err=True)
        sys.exit(1)
    total = sum(p.source.rows for p in proofs)
    click.echo(
        f"copied {total} rows in {len(proofs)} tables to {_safe(url)}: counts and checksums match"
    )


COMMANDS = [backup_command, restore_command, migrate_to_command]
