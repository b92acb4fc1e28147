"""Respondents' mail pages (e-mail me my link, lost your link?) and the staff outbox.

Every message is queued in the request's transaction and sent later by the sender: a slow or
unreachable mail server never slows these pages.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Response as HttpResponse
from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import func, select

from consult.core.gone import unknown_link
from consult.core.leaving import showing_again
from consult.core.links import safe_local_path
from consult.core.requestlog import REDACTED, redact_urls
from consult.db import db
from consult.exports import naming
from consult.extensions import limiter
from consult.i18n import current_language
from consult.mail import link_box, respondents
from consult.mail.blueprint import bp
from consult.mail.compose import normalise_address
from consult.mail.models import OutboxMessage
from consult.questionnaires import operations
from consult.questionnaires.registry import definition_of, get_questionnaire
from consult.ratelimits.keys import personal_link
from consult.ratelimits.owned import limit_by_owner
from consult.staff import audit
from consult.staff.access import role_required
from consult.staff.views import WORKSPACE_LINKS, client_ip

WORKSPACE_LINKS.append(("mail.outbox", _l("E-mail"), ("admin",)))


def _request_limit() -> str:
    return current_app.config["MAIL_REQUEST_LIMIT"]


def _address_request_limit() -> str:
    # Her own link's mails count her response; the address bears MAIL_ADDRESS_CEILING's quota
    # (consult/mail/quota.py) and this ceiling, so that a venue's respondents are not refused.
    return current_app.config["MAIL_ADDRESS_REQUEST_LIMIT"]


def _back_to(token: str) -> str:
    """The page to return to: one of this response's own pages, never another site."""
    path = urlsplit(safe_local_path(request.form.get("back"), "", f"/r/{token}/")).path
    return (
        path if path.startswith(f"/r/{token}/") else url_for("questionnaires.resume", token=token)
    )


@bp.post("/r/<token>/email-link")
@limit_by_owner(_request_limit, _address_request_limit, personal_link)
def email_link(token: str):
    """Queue the respondent's personal link to the address they typed."""
    response = operations.find_response(db.session, token) or unknown_link()
    questionnaire = definition_of(response)
    back = _back_to(token)
    if showing_again():
        # The language switcher (a button of this form): the address comes back, not sent.
        return render_template(
            "mail/email_link_page.html", token=token, back=back, typed=request.form.get("email", "")
        )
    address = normalise_address(request.form.get("email"))
    if address is None:
        return render_template(
            "mail/email_link_page.html",
            token=token,
            back=back,
            typed=request.form.get("email", ""),
            error=_("Enter an e-mail address such as name@example.org."),
        ), 422
    queued = respondents.queue_personal_link(db.session, response, questionnaire, token, address)
    db.commit()
    link_box.forget()
    return redirect(f"{back}?{urlencode({link_box.outcome_arg(queued): 1})}", 303)


@bp.route("/questionnaires/<key>/lost-link", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def lost_link(key: str):
    """Send the link again to an address given for a response; answer the same either way."""
    questionnaire = get_questionnaire(key) or abort(404)
    if request.method == "GET":
        return render_template("mail/lost_link_page.html", questionnaire=questionnaire, sent=False)
    typed = request.form.get("email", "")
    if showing_again():
        # The language switcher (a button of this form): the address comes back, not sent.
        return render_template(
            "mail/lost_link_page.html", questionnaire=questionnaire, sent=False, typed=typed
        )
    if normalise_address(typed) is None:
        return render_template(
            "mail/lost_link_page.html",
            questionnaire=questionnaire,
            sent=False,
            typed=typed,
            error=_("Enter an e-mail address such as name@example.org."),
        ), 422
    state = respondents.send_lost_link(
        db.session, questionnaire, typed, current_language(), ip=client_ip()
    )
    db.commit()
    if state == respondents.LOST_LINK_REFUSED:
        # Said as it is (nothing was sent), the same for a known address and an unknown one.
        return render_template(
            "mail/lost_link_page.html",
            questionnaire=questionnaire,
            sent=False,
            typed=typed,
            refused=True,
        ), 429
    return render_template("mail/lost_link_page.html", questionnaire=questionnaire, sent=True)


@bp.route("/questionnaires/<key>/lost-link/<link_token>", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def open_lost_link(key: str, link_token: str):
    """The link of a "lost link" message: a page with one button that gives this browser a new
    personal link (a POST: a mail scanner that follows the link changes nothing)."""
    questionnaire = get_questionnaire(key) or abort(404)
    state, token = respondents.redeem_lost_link(
        db.session, link_token, replace=request.method == "POST", ip=client_ip()
    )
    if state == "stale":
        return render_template(
            "mail/lost_link_open.html", questionnaire=questionnaire, stale=True
        ), 410
    if state == "ready":
        return render_template(
            "mail/lost_link_open.html",
            questionnaire=questionnaire,
            stale=False,
            link_token=link_token,
        )
    db.commit()
    return redirect(url_for("questionnaires.resume", token=token), 303)


# -- the staff side: what was queued and sent, and the .eml files ---------------------------------


def _mail_folder() -> Path:
    return Path(current_app.config.get("MAIL_FOLDER") or Path(current_app.instance_path) / "mail")


@bp.get("/staff/mail")
@role_required("admin")
def outbox():
    """The outbox (state, attempts, last error) and, without SMTP, the written .eml files;
    the view is in the audit log (it shows recipients' addresses)."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    latest = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    ).all()
    folder = _mail_folder()
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    # The list shows recipients' addresses: like one message, its view goes into the audit log.
    audit.record(
        db.session,
        current_user,
        "mail.outbox_viewed",
        target="outbox",
        details={"messages_shown": len(latest), "files_shown": len(files)},
        ip=client_ip(),
    )
    db.commit()
    return render_template(
        "mail/outbox.html",
        counts=counts,
        latest=latest,
        files=[_summary(path) for path in files],
        smtp_host=current_app.config["MAIL_HOST"],
    )


def _read(name: str, shown: str):
    """The written message ``name`` as staff may see it: every secret link redacted (a personal,
    invitation, pledge, password or unsubscribe link would let the reader act as its holder),
    and the view recorded in the audit log (it shows a recipient's address)."""
    if "/" in name or "\\" in name or not name.endswith(".eml") or name.startswith("."):
        abort(404)
    path = _mail_folder() / name
    if not path.is_file():
        abort(404)
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    audit.record(
        db.session,
        current_user,
        "mail.message_viewed",
        target=name,
        details={"shown": shown},
        ip=client_ip(),
    )
    db.commit()
    return redacted(message)


def redacted(message: EmailMessage) -> EmailMessage:
    """Return ``message`` with the secret of every link in its headers and text parts redacted."""
    for name, value in list(message.items()):
        cleaned = redact_urls(str(value))
        if cleaned != str(value):
            message.replace_header(name, cleaned)
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_attachment():
            continue
        subtype = part.get_content_subtype()
        content = part.get_content()
        cleaned = redact_urls(content)
        if subtype == "html":
            # The marker must read as text in the HTML part, not as a tag.
            cleaned = cleaned.replace(REDACTED, escape(REDACTED))
        if cleaned != content:
            part.set_content(cleaned, subtype=subtype, charset="utf-8")
    return message


def _summary(path: Path) -> dict[str, Any]:
    """A written message's name, recipient, subject and date (a datetime, for format_moment:
    the header's RFC 5322 text is English whatever the page's language)."""
    with path.open("rb") as handle:
        headers = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    return {
        "name": path.name,
        "to": str(headers.get("To", "")),
        "subject": str(headers.get("Subject", "")),
        "date": getattr(headers.get("Date"), "datetime", None),
    }


@bp.get("/staff/mail/files/<name>")
@role_required("admin")
def message_file(name: str):
    """One written message: its headers, its text part, and its HTML part in a frame."""
    message = _read(name, "page")
    text_part = message.get_body(("plain",))
    return render_template(
        "mail/message.html",
        name=name,
        headers=[(k, str(v)) for k, v in message.items()],
        text=text_part.get_content() if text_part else "",
        has_html=message.get_body(("html",)) is not None,
    )


@bp.get("/staff/mail/files/<name>/html")
@role_required("admin")
def message_html(name: str):
    """The HTML part alone, sandboxed: no script, no request leaves the page."""
    part = _read(name, "html").get_body(("html",)) or abort(404)
    reply = HttpResponse(part.get_content(), mimetype="text/html")
    # Our own messages carry a <style> block, as mail clients expect; nothing else may run.
    reply.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
        "frame-ancestors 'none'"
    )
    reply.headers["Cache-Control"] = "no-store"
    return reply


@bp.get("/staff/mail/files/<name>/raw")
@role_required("admin")
def message_raw(name: str):
    """The message as it went on the wire, its secret links redacted."""
    message = _read(name, "raw")
    return HttpResponse(
        message.as_bytes(),
        mimetype="message/rfc822",
        headers={"Content-Disposition": naming.content_disposition(name)},
    )
