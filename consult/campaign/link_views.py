"""A pledge's way back (consult.campaign.links): "Lost your link?" and its message's link on
the campaign's blueprint, and staff's "Send a new link" on the pledge's staff page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.campaign import links
from consult.campaign.blueprint import bp
from consult.campaign.models import Pledge
from consult.campaign.staff_views import bp as staff_bp
from consult.core.leaving import showing_again
from consult.db import db
from consult.extensions import limiter
from consult.i18n import current_language
from consult.mail.compose import normalise_address
from consult.mail.respondents import LOST_LINK_REFUSED
from consult.staff.access import role_required
from consult.staff.views import client_ip


def _request_limit() -> str:
    # The same per-client limit as a response's "Lost your link?" (no pledge is known before).
    return current_app.config["MAIL_REQUEST_LIMIT"]


@bp.route("/campaign/lost-link", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def lost_link():
    """Mail a way back to the pledges of a contact address; answer the same either way."""
    if request.method == "GET":
        return render_template("campaign/lost_link.html", sent=False)
    typed = request.form.get("email", "")
    if showing_again():
        # The language switcher (a button of this form): the address comes back, not sent.
        return render_template("campaign/lost_link.html", sent=False, typed=typed)
    if normalise_address(typed) is None:
        error = _("Enter an e-mail address such as name@example.org.")
        return render_template("campaign/lost_link.html", sent=False, typed=typed, error=error), 422
    state = links.send_lost_link(db.session, typed, current_language())
    db.commit()
    if state == LOST_LINK_REFUSED:
        # Said as it is (nothing was sent), the same for a known address and an unknown one.
        return render_template(
            "campaign/lost_link.html", sent=False, typed=typed, refused=True
        ), 429
    return render_template("campaign/lost_link.html", sent=True)


@bp.route("/campaign/lost-link/<link_token>", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def open_lost_link(link_token: str):
    """The link of a pledge's "lost link" message: one button gives a new personal link (a
    POST: a mail scanner that follows the link changes nothing)."""
    state, token = links.redeem_lost_link(
        db.session, link_token, replace=request.method == "POST", ip=client_ip()
    )
    if state == "stale":
        return render_template("campaign/lost_link_open.html", stale=True), 410
    if state == "ready":
        return render_template("campaign/lost_link_open.html", stale=False, link_token=link_token)
    db.commit()
    return redirect(url_for("campaign.pledge", token=token), 303)


@staff_bp.post("/pledges/<int:pledge_id>/new-link")
@role_required("moderator")
def new_link(pledge_id: int):
    """Give the pledge a new personal link, mailed to its contact address (audited)."""
    pledge = db.session.get(Pledge, pledge_id) or abort(404)
    queued = links.send_new_link(db.session, pledge, current_user, ip=client_ip())
    db.commit()
    if queued:
        flash(_("A new personal link was sent to the pledge's contact address."), "success")
    else:
        flash(
            _(
                "The pledge has a new personal link, but it could not be e-mailed: the contact "
                "address is not usable. Correct it, then send a new link again."
            ),
            "warning",
        )
    return redirect(url_for("campaign_staff.pledge", pledge_id=pledge.id), 303)
