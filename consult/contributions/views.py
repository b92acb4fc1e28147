"""Public pages of open contributions: the list, the form, the private status page, a
contribution with its replies, supports and reports.

Nobody needs an account. Nothing pending, rejected, hidden or withdrawn is ever shown here,
except to its author through the private status link. Every POST commits once.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable

from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from consult import geography
from consult.contributions import form_token, labels, operations, reactions
from consult.contributions.forms import ContributionForm, ReplyForm, ReportForm, set_options
from consult.contributions.models import KINDS, ORGANISATION_TYPES, Contribution
from consult.contributions.registry import current_charter
from consult.contributions.vocabulary import OTHER_LANGUAGE_NAME
from consult.core.inputs import query_page
from consult.core.leaving import showing_again
from consult.core.links import absolute_url_for
from consult.db import db
from consult.i18n import current_language
from consult.ratelimits.keys import browser
from consult.ratelimits.owned import limit_by_owner
from consult.security import set_browser_cookie

bp = Blueprint("contributions", __name__)

BROWSER_COOKIE = "consult_bid"
BROWSER_COOKIE_AGE = 60 * 60 * 24 * 365
#: Value of the article filter for contributions on the Charter as a whole.
WHOLE_CHARTER = "charter"


def _accepted_sends_limit() -> str:
    return current_app.config["CONTRIBUTIONS_RATE_LIMIT"]


def _accepted_sends_address_limit() -> str:
    return current_app.config["CONTRIBUTIONS_ADDRESS_RATE_LIMIT"]


def _post_limit() -> str:
    return current_app.config["CONTRIBUTIONS_POST_RATE_LIMIT"]


def _post_address_limit() -> str:
    return current_app.config["CONTRIBUTIONS_ADDRESS_POST_RATE_LIMIT"]


def limit_posts(methods: list[str] | None = None) -> Callable[[Callable], Callable]:
    """Limit a contribution page's POSTs per browser, and per address only as a ceiling (others
    on a workshop's Wi-Fi must not use up a person's sends: consult/ratelimits/keys.py)."""
    return limit_by_owner(_post_limit, _post_address_limit, browser, methods=methods)


def _is_accepted(response) -> bool:
    return response.status_code == 303


def _address_hash() -> str:
    return operations.keyed_hash(current_app.config["SECRET_KEY"], request.remote_addr or "")


def _browser_hash() -> str:
    """Hash of this browser's random id; a browser without one receives one now."""
    browser_id = request.cookies.get(BROWSER_COOKIE, "")
    if not (16 <= len(browser_id) <= 64):
        browser_id = g.get("new_browser_id") or secrets.token_urlsafe(24)
        g.new_browser_id = browser_id
    return operations.keyed_hash(current_app.config["SECRET_KEY"], "browser:" + browser_id)


@bp.after_app_request
def remember_browser(response):
    """Give the browser its random id (supports and reports count once per browser)."""
    browser_id = g.get("new_browser_id")
    if browser_id:
        set_browser_cookie(response, BROWSER_COOKIE, browser_id, BROWSER_COOKIE_AGE)
    return response


def language_name(code: str) -> str:
    """Name a language in the interface language ("Another language" for other)."""
    if code == labels.OTHER_LANGUAGE:
        return str(_l(OTHER_LANGUAGE_NAME))
    try:
        return Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, LookupError):
        return code


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in (*labels.TEXT_LANGUAGES, "other")]


def _region_labels() -> dict[str, dict[str, str]]:
    return geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])


def _region_choices(empty: str) -> list[tuple[str, str]]:
    language = current_language()
    return [("", empty)] + [
        (key, label.get(language, key)) for key, label in _region_labels().items()
    ]


def _article_choices(empty: str) -> list[tuple[str, str]]:
    language = current_language()
    return [("", empty)] + [
        (a.key, f"{a.roman}. {a.title.get(language, a.title['en'])}")
        for a in current_charter().articles
    ]


def _prepare(form: ContributionForm) -> ContributionForm:
    """Fill the choices that depend on the language and the data files."""
    language = current_language()
    charter = current_charter()
    set_options(form.article, _article_choices(str(_l("The Charter as a whole"))))
    set_options(
        form.part,
        [("", str(_l("The whole article")))]
        + [(p.key, p.title.get(language, p.title["en"])) for p in charter.parts],
    )
    set_options(form.language, _language_choices())
    set_options(
        form.country,
        [("", str(_l("Choose a country")))] + list(geography.country_names(language).items()),
    )
    set_options(form.region, _region_choices(str(_l("From the country"))))
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
@limit_by_owner(
    _accepted_sends_limit,
    _accepted_sends_address_limit,
    browser,
    methods=["POST"],
    deduct_when=_is_accepted,
)
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
        address_hash=_address_hash(),
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
    contribution = operations.find_by_token(db.session, token) or abort(404)
    return render_template(
        "contributions/status.html",
        contribution=contribution,
        token=token,
        just_sent=request.args.get("sent") == "1",
        charter=current_charter(),
        status_url=absolute_url_for("contributions.status", token=token),
        messages=get_flashed_messages(),
    )


@bp.post("/contributions/status/<token>/withdraw")
@limit_posts()
def withdraw(token: str):
    """Withdraw a contribution through its private link."""
    contribution = operations.find_by_token(db.session, token) or abort(404)
    try:
        operations.withdraw(db.session, contribution)
    except operations.ContributionError:
        flash(_("This contribution can no longer be withdrawn."))
        return redirect(url_for("contributions.status", token=token), 303)
    db.commit()
    flash(_("Your contribution is withdrawn. It is no longer shown to anyone."))
    return redirect(url_for("contributions.status", token=token), 303)


def published_query():
    """Published contributions only: the one query every public listing starts from."""
    return select(Contribution).where(Contribution.status == "published")


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.get("/contributions")
def index():
    """Published contributions, newest first, with filters, search and pages (no JS needed)."""
    args = request.args
    filters = {
        "article": args.get("article", ""),
        "part": args.get("part", ""),
        "kind": args.get("kind", ""),
        "region": args.get("region", ""),
        "type": args.get("type", ""),
        "language": args.get("language", ""),
        "q": args.get("q", "").strip()[:200],
    }
    query = published_query()
    charter = current_charter()
    if filters["article"] == WHOLE_CHARTER:
        query = query.where(Contribution.article.is_(None))
    elif charter.article(filters["article"]):
        query = query.where(Contribution.article == filters["article"])
    else:
        filters["article"] = ""
    if filters["article"] and filters["part"] in {p.key for p in charter.parts}:
        query = query.where(Contribution.part == filters["part"])
    else:
        filters["part"] = ""
    if filters["kind"] in KINDS:
        query = query.where(Contribution.kind == filters["kind"])
    else:
        filters["kind"] = ""
    if filters["region"] in geography.REGION_KEYS:
        query = query.where(Contribution.region == filters["region"])
    else:
        filters["region"] = ""
    if filters["type"] in ORGANISATION_TYPES:
        query = query.where(Contribution.organisation_type == filters["type"])
    else:
        filters["type"] = ""
    if filters["language"] in {*labels.TEXT_LANGUAGES, labels.OTHER_LANGUAGE}:
        query = query.where(Contribution.language == filters["language"])
    else:
        filters["language"] = ""
    if filters["q"]:
        pattern = f"%{_escape_like(filters['q'].lower())}%"
        query = query.where(
            or_(
                func.lower(Contribution.text).like(pattern, escape="\\"),
                func.lower(Contribution.organisation_name).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = current_app.config["CONTRIBUTIONS_PER_PAGE"]
    pages = max(1, math.ceil(total / per_page))
    page = min(query_page(), pages)
    contributions = db.session.scalars(
        query.order_by(Contribution.published_at.desc(), Contribution.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    active = {k: v for k, v in filters.items() if v}
    return render_template(
        "contributions/index.html",
        contributions=contributions,
        reply_counts=_published_reply_counts([c.id for c in contributions]),
        filters=filters,
        active=active,
        total=total,
        page=page,
        pages=pages,
        charter=charter,
        article_choices=[("", _("All")), (WHOLE_CHARTER, _("The Charter as a whole"))]
        + _article_choices("")[1:],
        region_choices=_region_choices(_("All")),
        language_choices=[("", _("All"))] + _language_choices(),
    )


def _published_reply_counts(ids: list[int]) -> dict[int, int]:
    from consult.contributions.models import ContributionReply

    if not ids:
        return {}
    rows = db.session.execute(
        select(ContributionReply.contribution_id, func.count(ContributionReply.id))
        .where(
            ContributionReply.contribution_id.in_(ids),
            ContributionReply.status == "published",
        )
        .group_by(ContributionReply.contribution_id)
    )
    return dict(rows.all())


def _published_or_404(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or not contribution.is_published:
        abort(404)
    return contribution


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
    set_options(reply_form.language, _language_choices())
    if not reply_form.language.data:
        reply_form.language.data = current_language()
    browser = request.cookies.get(BROWSER_COOKIE)
    supported = bool(browser) and reactions.has_supported(db.session, contribution, _browser_hash())
    if not browser:
        _browser_hash()  # hand out the id now so that the first support is counted once
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
    return _render_detail(_published_or_404(contribution_id))


@bp.post("/contributions/<int:contribution_id>/support")
@limit_posts()
def support(contribution_id: int):
    """Say "I agree": once per browser, a few per address."""
    contribution = _published_or_404(contribution_id)
    result = reactions.add_support(
        db.session,
        contribution,
        _browser_hash(),
        _address_hash(),
        current_app.config["SUPPORTS_PER_ADDRESS"],
    )
    db.commit()
    flash(
        {
            "added": _("Thank you: your support is counted."),
            "already": _("You already support this contribution."),
            "address_limit": _(
                "Enough supports came from your connection for this contribution already."
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
    contribution = _published_or_404(contribution_id)
    form = ReportForm()
    if not form.validate():
        return _render_detail(contribution, report_form=form, status=422)
    outcome = reactions.add_report(
        db.session,
        contribution,
        reason=form.reason.data,
        comment=form.comment.data,
        reporter_hash=_browser_hash(),
        address_hash=_address_hash(),
        hide_threshold=current_app.config["REPORT_HIDE_THRESHOLD"],
    )
    db.commit()
    if outcome == "already":
        flash(_("You already reported this contribution. Moderators will look at it."))
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
    contribution = _published_or_404(contribution_id)
    form = ReplyForm()
    set_options(form.language, _language_choices())
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
        address_hash=_address_hash(),
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


@bp.app_context_processor
def contribution_helpers():
    """Words and names the contribution templates share."""
    return {
        "kind_labels": labels.KIND_LABELS,
        "kind_help": labels.KIND_HELP,
        "organisation_type_labels": labels.ORGANISATION_TYPE_LABELS,
        "status_labels": labels.STATUS_LABELS,
        "moderation_reason_labels": labels.MODERATION_REASON_LABELS,
        "report_reason_labels": labels.REPORT_REASON_LABELS,
        "action_labels": labels.ACTION_LABELS,
        "language_name": language_name,
        "country_name": geography.country_name,
        "region_label": lambda key: (
            _region_labels().get(key, {}).get(current_language(), key) if key else ""
        ),
    }
