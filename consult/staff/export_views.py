"""Exports from the workspace (responses, open contributions): asked for here, written in the
background, downloaded when ready.

Analysts export without personal data; only admins may ask for it. Every export is recorded in
the audit log when asked for, and every download when it happens.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from consult.db import db
from consult.exports import naming
from consult.exports.contributions import ContributionsExport
from consult.exports.responses import ResponsesExport
from consult.i18n import current_language, translate_text
from consult.questionnaires.registry import current_questionnaires
from consult.staff import audit, exporting
from consult.staff.access import PERSONAL_DATA_ROLES, may_see_personal_data, role_required
from consult.staff.forms import ContributionsExportForm, ExportForm, choices
from consult.staff.models import ExportJob
from consult.staff.views import WORKSPACE_LINKS, bp, client_ip

WORKSPACE_LINKS.append(("staff.exports", _l("Exports"), ("admin", "analyst")))

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
}


def _form() -> ExportForm:
    form = ExportForm()
    form.questionnaire.choices = choices(
        [("", _("All questionnaires"))]
        + [(key, translate_text(q.title)) for key, q in current_questionnaires().items()]
    )
    return form


def may_access(job: ExportJob, user) -> bool:
    """Tell whether ``user``, with the role they hold now, may see and download ``job``.

    Checked on every page and every download, so that an admin demoted since asking for an
    export with personal data can no longer download it; analysts see only their own jobs.
    """
    if (job.options or {}).get("with_personal_data") and user.role not in PERSONAL_DATA_ROLES:
        return False
    if user.role == "admin":
        return True
    return user.role == "analyst" and job.requested_by_id == user.id


def _visible_jobs():
    query = select(ExportJob).order_by(ExportJob.requested_at.desc(), ExportJob.id.desc())
    if current_user.role != "admin":
        query = query.where(ExportJob.requested_by_id == current_user.id)
    return [job for job in db.session.scalars(query.limit(40)) if may_access(job, current_user)][
        :20
    ]


@bp.route("/exports", methods=["GET", "POST"])
@role_required("admin", "analyst")
def exports():
    """Ask for an export of the responses or contributions; see recent exports, download them."""
    form = _form()
    if form.validate_on_submit():
        personal = bool(form.with_personal_data.data)
        if personal and not may_see_personal_data():
            abort(403)
        request = ResponsesExport(
            fmt=form.format.data,
            questionnaire=form.questionnaire.data or None,
            long=bool(form.long.data),
            with_personal_data=personal,
            # A .sav or .dta file is labelled in the language of the page it was asked from.
            language=current_language(),
        )
        job = exporting.start_job(
            current_app._get_current_object(),
            current_user._get_current_object(),
            request,
            client_ip(),
        )
        return redirect(url_for("staff.export_job", job_id=job.id), 303)
    # A choice no list offers is said next to its field (422), the other choices kept.
    status = 422 if form.is_submitted() else 200
    return _render(form, ContributionsExportForm(formdata=None, prefix="contributions"), status)


def _render(form: ExportForm, contributions_form: ContributionsExportForm, status: int = 200):
    return (
        render_template(
            "staff/exports.html",
            form=form,
            contributions_form=contributions_form,
            jobs=_visible_jobs(),
            state=exporting.job_state,
        ),
        status,
    )


@bp.post("/exports/contributions")
@role_required("admin", "analyst")
def export_contributions():
    """Ask for an export of the published open contributions."""
    form = ContributionsExportForm(prefix="contributions")
    if not form.validate_on_submit():
        return _render(_form(), form, 422)
    personal = bool(form.with_personal_data.data)
    if personal and not may_see_personal_data():
        abort(403)
    job = exporting.start_job(
        current_app._get_current_object(),
        current_user._get_current_object(),
        ContributionsExport(fmt=form.format.data, with_personal_data=personal),
        client_ip(),
    )
    return redirect(url_for("staff.export_job", job_id=job.id), 303)


def _job_or_404(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or not may_access(job, current_user):
        abort(404)
    return job


@bp.get("/exports/<int:job_id>")
@role_required("admin", "analyst")
def export_job(job_id: int):
    """The state of one export; the page reloads itself (meta refresh) until it is ready."""
    job = _job_or_404(job_id)
    state = exporting.job_state(job)
    files = exporting.job_files(current_app._get_current_object(), job) if state == "done" else []
    return render_template("staff/export_job.html", job=job, state=state, files=files)


@bp.get("/exports/<int:job_id>/download/<int:part>")
@role_required("admin", "analyst")
def export_download(job_id: int, part: int):
    """Download a finished export (part 0) or, for CSV, its codebook (part 1)."""
    job = _job_or_404(job_id)
    files = exporting.job_files(current_app._get_current_object(), job)
    if exporting.job_state(job) != "done" or part >= len(files):
        abort(404)
    file = files[part]
    audit.record(
        db.session,
        current_user,
        "export.downloaded",
        target=f"job {job.id}",
        details={
            "file": file.download_name,
            "with_personal_data": job.options.get("with_personal_data"),
        },
        ip=client_ip(),
    )
    db.commit()
    mimetype = "text/csv" if part == 1 else MIMETYPES[job.format]
    app = current_app._get_current_object()
    response = Response(
        stream_with_context(exporting.job_file_chunks(app, file)),
        mimetype=mimetype,
        direct_passthrough=True,
    )
    response.content_length = file.size
    response.headers["Content-Disposition"] = naming.content_disposition(file.download_name)
    response.headers["Cache-Control"] = "no-store"
    return response
