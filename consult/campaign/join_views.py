"""Joining the campaign, without an account: the join form, empty or filled from the
institution's questionnaire response, and making the pledge.

The join form carries the token of the pledge it will make, so that sending it twice makes one
pledge. A letter accepted while other fields were refused waits for the pledge (letters.py), so
nothing typed or uploaded is lost; a letter refused keeps every other field. The pledge's own
page is in pledge_views.
"""

from __future__ import annotations

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from consult import geography
from consult.campaign import join_drafts, letters, notices, operations, prefill
from consult.campaign.blueprint import bp, campaign_home_url, post_limit
from consult.campaign.forms import PledgeForm, check_choices
from consult.campaign.models import (
    CommitmentLetter,
)
from consult.campaign.pledge_form import (
    EXPIRED_NOTICE,
    FIELD_ORDER,
    prepare_pledge_form,
    receive_letter,
    values_from,
)
from consult.campaign.pledge_views import continue_from_join
from consult.core.errors import recovers_from_csrf
from consult.core.gone import unknown_link
from consult.core.leaving import showing_again
from consult.db import db
from consult.extensions import limiter
from consult.i18n import current_language


def _render_join(form: PledgeForm, held: CommitmentLetter | None, status: int = 200, **extra):
    return (
        render_template(
            "campaign/join.html",
            form=form,
            held_letter=held,
            field_order=FIELD_ORDER,
            max_letter_bytes=letters.max_bytes(),
            region_map=geography.region_map(current_app.config["QUESTIONNAIRES_PATH"]),
            campaign_url=campaign_home_url(),
            **extra,
        ),
        status,
    )


@bp.get("/campaign/join")
def join():
    """The join form, empty."""
    form = PledgeForm(formdata=None)
    prepare_pledge_form(form)
    form.pledge_token.data = operations.new_token()
    draft = join_drafts.draft_in_progress()
    return _render_join(form, None, continued=draft[1] if draft else None)


@bp.get("/campaign/join/from/<token>")
def join_from_response(token: str):
    """The join form filled with the institution's profile from its questionnaire response."""
    response = prefill.response_for_token(token)
    if response is None:
        unknown_link()  # a replaced one is told so first (questionnaires.retired)
    form = PledgeForm(formdata=None)
    prepare_pledge_form(form)
    prefill.fill_from_response(form, response)
    form.pledge_token.data = operations.new_token()
    form.response_token.data = token
    return _render_join(form, None, from_response=response)


def _recover_join():
    """A join form whose CSRF token expired: shown again with everything typed but the file."""
    form = PledgeForm(meta={"csrf": False})
    prepare_pledge_form(form)
    if not operations.is_token(form.pledge_token.data):
        form.pledge_token.data = operations.new_token()
    held = letters.held_letter(db.session, operations.holding_hash(form.pledge_token.data))
    return _render_join(form, held, 400, notice=EXPIRED_NOTICE)


@bp.post("/campaign/join")
@limiter.limit(post_limit)
@recovers_from_csrf(_recover_join)
def join_post():
    """Make the pledge (once per form), or show the form again with every value kept."""
    form = PledgeForm()
    levels, bands, option_keys = prepare_pledge_form(form)
    token = form.pledge_token.data or ""
    if not operations.is_token(token):
        # A form we never made: start again (nothing of a real form is lost this way).
        form.pledge_token.data = operations.new_token()
        return _render_join(form, None, 400, notice=_("Please fill in the form again."))
    existing = operations.find_pledge(db.session, token)
    if existing is None and not showing_again():
        # Back after "Save a draft" gives a new form: for the same institution, the draft goes on.
        draft = join_drafts.draft_of_same_institution(form.institution_name.data, form.country.data)
        if draft is not None:
            token, existing = draft
    if existing is not None:
        # The same form sent again (a reply lost, Back then Send, a second click): its pledge
        # continues with what was sent now; never a second pledge, never a silent drop.
        if showing_again():
            return redirect(url_for(".pledge", token=token), 303)
        reply = continue_from_join(existing, token)
        join_drafts.remember(token, existing)
        return reply
    if showing_again():
        # The language switcher (a button of this form): the same form, in that language,
        # nothing sent; a letter chosen meanwhile is checked and kept for the next send.
        receive_letter(form, operations.holding_hash(token))
        db.commit()
        return _render_join(form, letters.held_letter(db.session, operations.holding_hash(token)))
    submit = request.form.get("action") != "draft"
    valid = form.validate()
    # After validate(), which resets every field's errors.
    held = receive_letter(form, operations.holding_hash(token))
    valid = check_choices(form, levels, bands, option_keys) and valid
    link = prefill.response_link(form.response_token.data)
    if link.is_dead:
        # Never sent without the link to the response it carried, unsaid: the form comes back
        # with everything typed, saying why, without that link (sent again, it joins unlinked).
        form.response_token.data = ""
        db.commit()  # the accepted letter waits for the next post
        return _render_join(
            form,
            letters.held_letter(db.session, operations.holding_hash(token)),
            409,
            dead_link=link,
        )
    if submit and held is None and not form.letter.errors:
        form.letter.errors = [
            _("Attach the signed letter of commitment (PDF), or save a draft and send it later.")
        ]
    if not valid or form.letter.errors:
        # Commit the accepted letter: the next post of this form finds it.
        db.commit()
        return _render_join(
            form, letters.held_letter(db.session, operations.holding_hash(token)), 422
        )
    pledge, created = operations.create_pledge(
        db.session, token, values_from(form, current_language(), link.response_id), submit=submit
    )
    join_drafts.remember(token, pledge)
    mailed = True
    if created:
        letters.attach_held(db.session, pledge, operations.holding_hash(token))
        mailed = notices.queue_pledge_received(db.session, pledge, token)
    db.commit()
    # A copy not queued (the mail budget of this client) is said so on the page.
    return redirect(url_for(".pledge", token=token, sent=1 if mailed else "unmailed"), 303)
