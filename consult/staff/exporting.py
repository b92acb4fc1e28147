"""Running exports for staff: `consult export ...` on the command line, and workspace jobs.

The writers (consult/exports) know nothing of Flask; this module gives them a consistent
snapshot of the database, the region labels and the audit log.

Workspace exports run in a background thread of the worker that received the request, so no
request waits for a large export (gunicorn's worker timeout only watches request handling).
The file is written to a scratch folder, then kept in the app's file store (consult.storage:
the database when several hosts share it, the instance folder on one host), so whichever host
answers the download finds it. The job's row says which file it is, and a heartbeat tells a
finished job from one whose worker died (it is then shown as interrupted).
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from consult import geography
from consult.contributions.registry import current_charter
from consult.db import db, utcnow, writing
from consult.exports.contributions import (
    ContributionsExport,
    count_contributions,
    export_contributions,
)
from consult.exports.responses import ResponsesExport, count_responses, export_responses
from consult.exports.statistical import FORMATS as STATISTICAL_FORMATS
from consult.exports.writers import FORMATS, ExportError
from consult.staff import audit
from consult.staff.models import ExportJob, User
from consult.storage import file_store

#: A running job whose heartbeat is older than this was interrupted (its worker stopped).
STALE_AFTER = timedelta(minutes=10)
#: Finished export files are deleted after this long (they may hold personal data).
KEEP_FILES_FOR = timedelta(hours=24)
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "json": "json", "sav": "sav", "dta": "dta"}
#: The responses export also writes labelled SPSS and Stata files.
RESPONSE_FORMATS = (*FORMATS, *STATISTICAL_FORMATS)
#: Formats whose codebook is a second file beside the export.
CODEBOOK_BESIDE = ("csv", *STATISTICAL_FORMATS)


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """Open a read-only connection that sees one consistent state of the database throughout."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def region_labels(app: Flask) -> dict[str, dict[str, str]]:
    """Return the UCLG region labels of the app's questionnaires folder."""
    return geography.region_labels(app.config["QUESTIONNAIRES_PATH"])


# -- command line ---------------------------------------------------------------------------------


@click.group("export")
def export_group() -> None:
    """Export responses or contributions for analysis."""


@export_group.command("responses")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(RESPONSE_FORMATS),
    required=True,
    help="sav (SPSS) and dta (Stata) are labelled files for R, SPSS and Stata.",
)
@click.option(
    "--labels",
    "language",
    type=click.Choice(("en", "fr", "es")),
    default="en",
    show_default=True,
    help="Language of the variable and value labels of a sav or dta file.",
)
@click.option("--questionnaire", default=None, help="Only this questionnaire (its key).")
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include the contact details respondents gave (recorded in the audit log).",
)
@click.option("--long", "long_form", is_flag=True, help="One row per answered value.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_responses_command(
    fmt: str,
    language: str,
    questionnaire: str | None,
    with_personal_data: bool,
    long_form: bool,
    out: Path,
) -> None:
    """Export the submitted responses (drafts never) with a codebook."""
    from consult.questionnaires.registry import current_questionnaires

    if questionnaire and questionnaire not in current_questionnaires():
        known = ", ".join(sorted(current_questionnaires()))
        raise click.ClickException(f"no questionnaire {questionnaire!r} (one of {known})")
    if long_form and fmt in STATISTICAL_FORMATS:
        raise click.ClickException("sav and dta files hold the wide form; drop --long")
    request = ResponsesExport(
        fmt=fmt,
        questionnaire=questionnaire,
        long=long_form,
        with_personal_data=with_personal_data,
        language=language,
    )
    app = current_app._get_current_object()
    with snapshot(db.engine) as connection:
        total = count_responses(connection, questionnaire)
        with click.progressbar(
            length=total, label="Exporting responses", file=sys.stderr, show_pos=True
        ) as bar:
            try:
                summary = export_responses(
                    connection, request, out, region_labels=region_labels(app), progress=bar.update
                )
            except ExportError as exc:
                raise click.ClickException(str(exc)) from exc
    with writing():
        audit.record(
            db.session,
            audit.COMMAND_LINE,
            "export.responses",
            target=str(out),
            details=_details(request, summary.responses, summary.rows),
        )
        db.commit()
    click.echo(f"wrote {summary.responses} responses ({summary.rows} rows) to {summary.path}")
    if summary.codebook_path:
        click.echo(f"codebook: {summary.codebook_path}")


def _details(request: ResponsesExport, responses: int, rows: int) -> dict[str, Any]:
    return {
        "format": request.fmt,
        "questionnaire": request.questionnaire,
        "long": request.long,
        "with_personal_data": request.with_personal_data,
        "responses": responses,
        "rows": rows,
    }


@export_group.command("contributions")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include name and e-mail of contributors who consented (recorded in the audit log).",
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_contributions_command(fmt: str, with_personal_data: bool, out: Path) -> None:
    """Export the published open contributions (never pending, rejected, hidden or withdrawn)."""
    request = ContributionsExport(fmt=fmt, with_personal_data=with_personal_data)
    app = current_app._get_current_object()
    with snapshot(db.engine) as connection:
        total = count_contributions(connection)
        with click.progressbar(
            length=total, label="Exporting contributions", file=sys.stderr, show_pos=True
        ) as bar:
            try:
                summary = export_contributions(
                    connection,
                    request,
                    out,
                    charter=current_charter(),
                    region_labels=region_labels(app),
                    progress=bar.update,
                )
            except ExportError as exc:
                raise click.ClickException(str(exc)) from exc
    with writing():
        audit.record(
            db.session,
            audit.COMMAND_LINE,
            "export.contributions",
            target=str(out),
            details=_contribution_details(request, summary.rows),
        )
        db.commit()
    click.echo(f"wrote {summary.rows} contributions to {summary.path}")
    if summary.codebook_path:
        click.echo(f"codebook: {summary.codebook_path}")


def _contribution_details(request: ContributionsExport, rows: int) -> dict[str, Any]:
    return {"format": request.fmt, "with_personal_data": request.with_personal_data, "rows": rows}


@export_group.command("campaign")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include each signatory's institutional contact (recorded in the audit log).",
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_campaign_command(fmt: str, with_personal_data: bool, out: Path) -> None:
    """Export the verified signatories of the campaign (never drafts, pending or rejected)."""
    from consult.campaign.export import export_campaign

    with snapshot(db.engine) as connection, Session(bind=connection) as session:
        try:
            summary = export_campaign(
                session,
                fmt,
                out,
                labels=campaign_labels(session),
                with_personal_data=with_personal_data,
            )
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    with writing():
        audit.record(
            db.session,
            audit.COMMAND_LINE,
            "export.campaign",
            target=str(out),
            details={"format": fmt, "with_personal_data": with_personal_data, "rows": summary.rows},
        )
        db.commit()
    click.echo(f"wrote {summary.rows} verified signatories to {summary.path}")
    if summary.codebook_path:
        click.echo(f"codebook: {summary.codebook_path}")


def campaign_labels(session: Session):
    """Return the labels of the campaign export's coded columns, in the three languages."""
    from flask_babel import force_locale

    from consult.campaign import vocabulary
    from consult.campaign.export import labels_in_languages
    from consult.campaign.models import CommitmentOption

    def progress(language: str) -> dict[str, str]:
        with force_locale(language):
            return vocabulary.progress_labels()

    options = session.scalars(
        select(CommitmentOption).order_by(CommitmentOption.position, CommitmentOption.id)
    ).all()
    return labels_in_languages(
        options,
        {
            "levels": vocabulary.level_labels,
            "bands": vocabulary.band_labels,
            "regions": vocabulary.region_names,
            "countries": geography.country_names,
            "progress": progress,
        },
    )


# -- workspace jobs -------------------------------------------------------------------------------


#: Folder of the file store that holds workspace exports.
STORE_FOLDER = "exports"


@dataclass(frozen=True)
class JobFile:
    """A file of a finished job, as kept in the file store."""

    name: str
    size: int

    @property
    def download_name(self) -> str:
        """The name offered to the browser (without the store's folder)."""
        return self.name.rsplit("/", 1)[-1]


def job_state(job: ExportJob) -> str:
    """Return the job's state as shown: queued, running, done, failed or interrupted."""
    if job.status in ("queued", "running") and utcnow() - job.heartbeat_at > STALE_AFTER:
        return "interrupted"
    return job.status


def start_job(
    app: Flask, user: User, request: ResponsesExport | ContributionsExport, ip: str | None
) -> ExportJob:
    """Record an export job (committed), and write it in a background thread."""
    if isinstance(request, ContributionsExport):
        kind = "contributions"
        options: dict[str, Any] = {"with_personal_data": request.with_personal_data}
        details = {"format": request.fmt, "with_personal_data": request.with_personal_data}
    else:
        kind = "responses"
        options = {
            "questionnaire": request.questionnaire,
            "long": request.long,
            "with_personal_data": request.with_personal_data,
            "language": request.language,
        }
        # Asked for, not yet written: the row counts are on the job once it is done.
        details = {
            key: value
            for key, value in _details(request, 0, 0).items()
            if key not in ("responses", "rows")
        }
    job = ExportJob(
        requested_by_id=user.id, kind=kind, format=request.fmt, options=options, status="queued"
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        db.session,
        user,
        f"export.{kind}",
        target=f"job {job.id}",
        details={**details, "job": job.id},
        ip=ip,
    )
    db.commit()
    thread = threading.Thread(
        target=run_job, args=(app, job.id), name=f"export-{job.id}", daemon=True
    )
    app.extensions.setdefault("consult.export_threads", []).append(thread)
    thread.start()
    return job


def _write_job(app: Flask, job: ExportJob, connection: Connection, path: Path, beat) -> int:
    """Write a job's file; return the number of rows."""
    if job.kind == "contributions":
        request = ContributionsExport(
            fmt=job.format, with_personal_data=bool(job.options.get("with_personal_data"))
        )
        return export_contributions(
            connection,
            request,
            path,
            charter=current_charter(),
            region_labels=region_labels(app),
            progress=beat,
        ).rows
    request = ResponsesExport(
        fmt=job.format,
        questionnaire=job.options.get("questionnaire"),
        long=bool(job.options.get("long")),
        with_personal_data=bool(job.options.get("with_personal_data")),
        language=job.options.get("language") or "en",
    )
    return export_responses(
        connection, request, path, region_labels=region_labels(app), progress=beat
    ).rows


def run_job(app: Flask, job_id: int) -> None:
    """Write one export job's file (in a background thread, or inline)."""
    with app.app_context():
        session = db.session
        job = session.get(ExportJob, job_id)
        if job is None:
            return
        name = f"{job.kind}-{job.id}-{secrets.token_hex(8)}.{EXTENSIONS[job.format]}"
        with writing():
            job.status = "running"
            job.heartbeat_at = utcnow()
            session.commit()
        beat = _Heartbeat(app, job.id)
        try:
            with tempfile.TemporaryDirectory(prefix=".export-", dir=app.instance_path) as scratch:
                path = Path(scratch) / name
                with snapshot(db.engine) as connection:
                    rows = _write_job(app, job, connection, path, beat)
                _keep(app, path)
        except Exception as exc:  # the job must record any failure, whatever it was
            app.logger.exception("export job %s failed", job_id)
            with writing():
                job = session.get(ExportJob, job_id)
                job.status = "failed"
                job.error = str(exc)[:2000] or exc.__class__.__name__
                job.finished_at = utcnow()
                session.commit()
            return
        with writing():
            job = session.get(ExportJob, job_id)
            job.status = "done"
            job.file_name = name
            job.row_count = rows
            job.finished_at = utcnow()
            job.heartbeat_at = job.finished_at
            session.commit()
        _delete_old_files(app)


class _Heartbeat:
    """Progress callback that touches the job's heartbeat every few seconds."""

    def __init__(self, app: Flask, job_id: int) -> None:
        self.app = app
        self.job_id = job_id
        self.last = utcnow()

    def __call__(self, _n: int) -> None:
        now = utcnow()
        if now - self.last < timedelta(seconds=15):
            return
        self.last = now
        with self.app.app_context(), writing(), db.engine.begin() as connection:
            connection.execute(
                ExportJob.__table__.update()
                .where(ExportJob.id == self.job_id)
                .values(heartbeat_at=now)
            )


def _file_names(job: ExportJob) -> list[str]:
    """Return the store names of a job's files (a CSV export has its codebook beside it)."""
    if not job.file_name:
        return []
    names = [job.file_name]
    if job.format in CODEBOOK_BESIDE:
        from consult.exports.writers import codebook_path

        names.append(codebook_path(Path(job.file_name)).name)
    return [f"{STORE_FOLDER}/{name}" for name in names]


def _keep(app: Flask, path: Path) -> None:
    """Move a written export (and a CSV's codebook beside it) into the file store."""
    from consult.exports.writers import codebook_path

    store = file_store(app)
    for written in (path, codebook_path(path)):
        if written.exists():
            store.save(f"{STORE_FOLDER}/{written.name}", written)


def job_files(app: Flask, job: ExportJob) -> list[JobFile]:
    """Return the files of a finished job that are still kept."""
    store = file_store(app)
    files = []
    for name in _file_names(job):
        size = store.size(name)
        if size is not None:
            files.append(JobFile(name, size))
    return files


def job_file_chunks(app: Flask, file: JobFile) -> Iterator[bytes]:
    """Yield a job file's content (streamed from the file store)."""
    return file_store(app).chunks(file.name)


def _delete_old_files(app: Flask) -> None:
    """Delete export files older than KEEP_FILES_FOR (they may hold personal data)."""
    cutoff = utcnow() - KEEP_FILES_FOR
    store = file_store(app)
    with writing():
        old = db.session.scalars(
            select(ExportJob).where(
                ExportJob.finished_at < cutoff, ExportJob.file_name.is_not(None)
            )
        ).all()
        for job in old:
            for name in _file_names(job):
                store.delete(name)
            job.file_name = None
        db.session.commit()


def wait_for_jobs(app: Flask, timeout: float = 30) -> None:
    """Wait for the app's background export threads (tests and orderly shutdown)."""
    for thread in app.extensions.get("consult.export_threads", []):
        thread.join(timeout)
