"""A published contribution's page, with its replies, and what a visitor does there: support
it, report it, reply (each counted once per browser where it must be, each POST committed once).
"""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from consult.contributions import reactions
from consult.contributions.blueprint import (
    BROWSER_COOKIE,
    address_hash,
    bp,
    browser_hash,
    limit_posts,
)
from consult.contributions.choices import language_choices
from consult.contributions.forms import ReplyForm, ReportForm, set_options
from consult.contributions.models import Contribution
from consult.contributions.not_shown import published_or_refused
from consult.contributions.registry import current_charter
from consult.core.leaving import showing_again
from consult.db import db
from consult.i18n import current_language


def _render_detail(
    contribution: Contribution,
    reply_form: ReplyForm | None = None,
    report_form: ReportForm | None = None,
    status: int = 200,
):
    # Shown in answer to one of the page's buttons (they all send the reply form's fields, see
    # detail.html), both forms show what was sent: nothing being written is dropped.
    posted = request.method == "POST"
    reply_form = reply_form or (ReplyForm() if posted else ReplyForm(formdata=None))
    report_form = report_form or (ReportForm() if posted else ReportForm(formdata=None))
    set_options(reply_form.language, language_choices())
    if not reply_form.language.data:
        reply_form.language.data = current_language()
    browser = request.cookies.get(BROWSER_COOKIE)
    supported = bool(browser) and reactions.has_supported(db.session, contribution, browser_hash())
    if not browser:
        browser_hash()  # hand out the id now so that the first support is counted once
    return (
        render_template(
            "contributions/detail.html",
            contribution=contribution,
            replies=[r for r in contribution.replies if r.status == "published"],
            reply_form=reply_form,
            report_form=report_form,
            supported=supported,
            charter=current_charter(),
            messages=get_flashed_messages(),
            reply_max_length=current_app.config["CONTRIBUTION_REPLY_MAX_LENGTH"],
        ),
        status,
    )


@bp.get("/contributions/<int:contribution_id>")
def detail(contribution_id: int):
    """A published contribution, CISDP's response, its replies, support and report forms."""
    return _render_detail(published_or_refused(contribution_id))


@bp.post("/contributions/<int:contribution_id>/support")
@limit_posts()
def support(contribution_id: int):
    """Say "I agree": once per browser, up to a venue's ceiling per address."""
    contribution = published_or_refused(contribution_id)
    result = reactions.add_support(
        db.session,
        contribution,
        browser_hash(),
        address_hash(),
        current_app.config["SUPPORTS_PER_ADDRESS"],
    )
    db.commit()
    flash(
        {
            "added": _("Thank you: your support is counted."),
            "already": _("You already support this contribution."),
            "address_limit": _(
                "Your support was not counted: very many supports came from your connection "
                "for this contribution already."
            ),
        }.get(result.outcome, "")
    )
    if _writing_on_the_page(("text", "signature", "comment")):
        return _render_detail(contribution)
    return redirect(
        url_for("contributions.detail", contribution_id=contribution.id) + "#support", 303
    )


@bp.post("/contributions/<int:contribution_id>/report")
@limit_posts()
def report(contribution_id: int):
    """Report a contribution; after enough distinct reports it is hidden until moderated."""
    contribution = published_or_refused(contribution_id)
    form = ReportForm()
    if not form.validate():
        return _render_detail(contribution, report_form=form, status=422)
    outcome = reactions.add_report(
        db.session,
        contribution,
        reason=form.reason.data,
        comment=form.comment.data,
        reporter_hash=browser_hash(),
        address_hash=address_hash(),
        hide_threshold=current_app.config["REPORT_HIDE_THRESHOLD"],
    )
    db.commit()
    if outcome == "already":
        flash(_("You already reported this contribution. Moderators will look at it."))
    elif outcome == "already_commented":
        flash(
            _(
                "You already reported this contribution: your comment was added to your report. "
                "Moderators will look at it."
            )
        )
    else:
        flash(_("Thank you. Moderators will look at this contribution."))
    if not contribution.is_published:
        return redirect(url_for("contributions.index"), 303)
    if _writing_on_the_page(("text", "signature")):
        return _render_detail(contribution, report_form=ReportForm(formdata=None))
    return redirect(url_for("contributions.detail", contribution_id=contribution.id), 303)


def _writing_on_the_page(names: tuple[str, ...]) -> bool:
    """Tell whether a reply was being written when another button of the page was pressed.

    The page is then shown again with it, rather than redirected to and emptied.
    """
    return any(request.form.get(name, "").strip() for name in names)


@bp.post("/contributions/<int:contribution_id>/replies")
@limit_posts()
def reply(contribution_id: int):
    """Reply to a published contribution; replies are moderated like contributions."""
    contribution = published_or_refused(contribution_id)
    form = ReplyForm()
    set_options(form.language, language_choices())
    if showing_again():
        # The language switcher (a button of this form): the reply comes back, not sent.
        return _render_detail(contribution, reply_form=form)
    if form.website.data:
        return _render_detail(contribution, reply_form=form, status=400)
    if not form.validate() or form.language.data not in form.language.option_keys:
        if form.language.data not in form.language.option_keys:
            form.language.errors = [_("Choose one of the options offered.")]
        return _render_detail(contribution, reply_form=form, status=422)
    premoderation = current_app.config["CONTRIBUTIONS_PREMODERATION"]
    reactions.add_reply(
        db.session,
        contribution,
        text=form.text.data,
        language=form.language.data,
        signature=form.signature.data,
        organisation_type=form.organisation_type.data or None,
        premoderation=premoderation,
        address_hash=address_hash(),
    )
    db.commit()
    flash(
        _("Thank you. Your reply will appear once a moderator has approved it.")
        if premoderation
        else _("Thank you. Your reply is published.")
    )
    return redirect(
        url_for("contributions.detail", contribution_id=contribution.id) + "#replies", 303
    )
