"""The contributor's pages: the contribution form (no account; a honeypot, a minimum fill time
and rate limits), the private status page its link opens, and withdrawing.
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
from flask_babel import lazy_gettext as _l

from consult import geography
from consult.contributions import form_token, operations
from consult.contributions.blueprint import (
    address_hash,
    bp,
    limit_accepted_sends,
    limit_posts,
)
from consult.contributions.choices import article_choices, language_choices, region_choices
from consult.contributions.forms import ContributionForm, set_options
from consult.contributions.registry import current_charter
from consult.core.acknowledgements import acknowledgement
from consult.core.gone import unknown_link
from consult.core.leaving import showing_again
from consult.core.links import absolute_url_for
from consult.db import db
from consult.i18n import current_language


def _prepare(form: ContributionForm) -> ContributionForm:
    """Fill the choices that depend on the language and the data files."""
    language = current_language()
    charter = current_charter()
    set_options(form.article, article_choices(str(_l("The Charter as a whole"))))
    set_options(
        form.part,
        [("", str(_l("The whole article")))]
        + [(p.key, p.title.get(language, p.title["en"])) for p in charter.parts],
    )
    set_options(form.language, language_choices())
    set_options(
        form.country,
        [("", str(_l("Choose a country")))] + list(geography.country_names(language).items()),
    )
    set_options(form.region, region_choices(str(_l("From the country"))))
    return form


def _check_choices(form: ContributionForm) -> bool:
    """Refuse values no select box offers (the form was tampered with)."""
    valid = True
    for field in (form.article, form.part, form.language, form.country, form.region):
        if field.data and field.data not in field.option_keys:
            field.errors = [*field.errors, _("Choose one of the options offered.")]
            valid = False
    return valid


def _render_form(
    form: ContributionForm,
    notice: str | None = None,
    status: int = 200,
    shown_at: float | None = None,
):
    form.started.data = form_token.issue(shown_at)
    charter = current_charter()
    return (
        render_template(
            "contributions/new.html",
            form=form,
            notice=notice,
            charter=charter,
            max_length=current_app.config["CONTRIBUTION_MAX_LENGTH"],
            premoderation=current_app.config["CONTRIBUTIONS_PREMODERATION"],
            region_map=geography.region_map(current_app.config["QUESTIONNAIRES_PATH"]),
        ),
        status,
    )


@bp.route("/contributions/new", methods=["GET", "POST"])
@limit_posts(methods=["POST"])
@limit_accepted_sends()
def new():
    """The contribution form: no account; a honeypot, a minimum fill time and rate limits."""
    form = _prepare(ContributionForm())
    if request.method == "GET":
        charter = current_charter()
        article = request.args.get("article", "")
        if charter.article(article):
            form.article.data = article
            if request.args.get("part") in {p.key for p in charter.parts}:
                form.part.data = request.args["part"]
        if not form.language.data:
            form.language.data = current_language()
        return _render_form(form)
    sent_token = form_token.read(db.session, form.started.data)
    if sent_token.problem == "spent" and form_token.already_sent(sent_token):
        # The same form sent again from this browser (a second press of Send): its status.
        return redirect(form_token.already_sent(sent_token), 302)  # not counted as a send
    # Shown again after a mistake, the form keeps the moment it was first shown.
    shown_at = sent_token.shown_at if sent_token.problem in (None, "too_fast") else None
    if showing_again():
        # The language switcher (a button of this form): the same form, in that language.
        return _render_form(form, shown_at=shown_at)
    if form.website.data:
        # A bot filled the hidden field: say nothing useful, keep nothing.
        current_app.logger.info("contribution refused: honeypot filled")
        return _render_form(form, _("Your contribution could not be sent. Please try again."), 400)
    valid = form.validate()
    valid = _check_choices(form) and valid
    if not valid:
        return _render_form(form, status=422, shown_at=shown_at)
    if sent_token.problem == "too_fast":
        return _render_form(
            form,
            _(
                "That was very quick. Please read your contribution over once more, then "
                "send it again."
            ),
            422,
            shown_at=shown_at,
        )
    if sent_token.problem is not None:
        # Forged, from another session, too old or already used: a fresh form, nothing lost.
        current_app.logger.info("contribution refused: form token %s", sent_token.problem)
        return _render_form(form, _("Your contribution could not be sent. Please try again."), 422)
    contribution, token = operations.create_contribution(
        db.session,
        kind=form.kind.data,
        text=form.text.data,
        language=form.language.data or current_language(),
        organisation_type=form.organisation_type.data,
        article=form.article.data or None,
        part=(form.part.data or None) if form.article.data else None,
        organisation_name=form.organisation_name.data,
        country=form.country.data or None,
        region=form.region.data or None,
        name=form.name.data,
        email=form.email.data,
        consented=bool(form.consent.data),
        show_name_publicly=bool(form.show_name.data),
        interface_language=current_language(),
        premoderation=current_app.config["CONTRIBUTIONS_PREMODERATION"],
        address_hash=address_hash(),
        region_map=geography.region_map(current_app.config["QUESTIONNAIRES_PATH"]),
        near_duplicate_threshold=current_app.config["NEAR_DUPLICATE_THRESHOLD"],
    )
    status_path = url_for("contributions.status", token=token, sent=1)
    if not form_token.spend(db.session, sent_token, status_path):
        # Another worker accepted the same form a moment ago.
        db.rollback()
        return _render_form(form, _("Your contribution could not be sent. Please try again."), 422)
    db.commit()
    return redirect(status_path, 303)


@bp.get("/contributions/status/<token>")
def status(token: str):
    """The contributor's private page: status, the moderator's reason, a withdraw button."""
    contribution = operations.find_by_token(db.session, token) or unknown_link()
    return render_template(
        "contributions/status.html",
        contribution=contribution,
        token=token,
        just_sent=acknowledgement("sent") == "1",
        charter=current_charter(),
        status_url=absolute_url_for("contributions.status", token=token),
        messages=get_flashed_messages(),
    )


@bp.post("/contributions/status/<token>/withdraw")
@limit_posts()
def withdraw(token: str):
    """Withdraw a contribution through its private link."""
    contribution = operations.find_by_token(db.session, token) or unknown_link()
    try:
        operations.withdraw(db.session, contribution)
    except operations.ContributionError:
        flash(_("This contribution can no longer be withdrawn."))
        return redirect(url_for("contributions.status", token=token), 303)
    db.commit()
    flash(
        _(
            "Your contribution is withdrawn. It is no longer shown to anyone, and the name and "
            "e-mail address you gave with it are deleted."
        )
    )
    return redirect(url_for("contributions.status", token=token), 303)
