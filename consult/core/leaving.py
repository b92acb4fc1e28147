"""Leaving a page by the site's own links never drops what was typed on it, even without JS.

On every page with a form of typed input (``page_form`` in base.html), the header's brand, the
navigation and the footer's links are buttons of that form (``goto=leave:ENDPOINT[:KEY]``,
templates/_way_out.html). The questionnaire pages and the review save first and then go
(consult/questionnaires/navigation.py). Every other form goes through ``leave_or_stay`` below,
before its view: when nothing was typed since the page was shown, the visitor simply goes;
when something was, the page comes back with what was typed, in the same state, and a
notice that it is not sent yet with a link to leave anyway (a warning that works without
JavaScript). "Typed since shown" compares the form's text fields with the digest the page
carried (``shown_fields``): a prefilled edit form that was not changed leaves at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask import Flask, current_app, g, redirect, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from consult.i18n import switched_language

#: The destinations of the site's header, navigation and footer (base.html, _nav.html):
#: a leave button can name nothing else.
LEAVE_ENDPOINTS = (
    "core.landing",
    "core.privacy",
    "charter.index",
    "contributions.index",
    "campaign_public.index",
    "outcomes_public.index",
    "questionnaires.intro",
)
#: Endpoints whose views save the page before leaving (and handle the button themselves).
SAVES_BEFORE_LEAVING = frozenset({"questionnaires.page", "questionnaires.review"})
#: The hidden field carrying the digest of the text fields as the page showed them.
SHOWN_FIELD = "shown"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def leave_url(goto: str) -> str | None:
    """Return where a "leave:ENDPOINT[:KEY]" button leads, or None if it names nothing known.

    Only the endpoints of the site's header and footer, and a questionnaire's introduction by
    its key: the button can never send the visitor anywhere else.
    """
    from consult.questionnaires.registry import get_questionnaire

    kind, _sep, rest = goto.partition(":")
    endpoint, _sep, key = rest.partition(":")
    if kind != "leave" or endpoint not in LEAVE_ENDPOINTS:
        return None
    if endpoint not in current_app.view_functions:
        return None
    if endpoint == "questionnaires.intro":
        return url_for(endpoint, key=key) if key and get_questionnaire(key) else None
    return None if key else url_for(endpoint)


def _normalised(value: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; the page rendered them as LF.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _digest(name: str, value: str) -> str:
    return hashlib.sha256(f"{name}\x1e{_normalised(value)}".encode()).hexdigest()[:10]


#: The WTForms field types a person types text into (selects and ticks are not counted).
TEXT_FIELD_TYPES = frozenset(
    {"StringField", "TextAreaField", "EmailField", "TelField", "URLField", "SearchField"}
)


def _text_values(source: object) -> list[tuple[str, object]]:
    if isinstance(source, Mapping):
        return list(source.items())
    fields = getattr(source, "_fields", None)
    if fields is not None:  # a WTForms form: its text fields
        return [(f.name, f.data) for f in fields.values() if f.type in TEXT_FIELD_TYPES]
    return [(source.name, source.data)]  # type: ignore[attr-defined]


def shown_fields(*sources: object) -> Markup:
    """The hidden field with a digest of each text field of a form, as the page shows it.

    Each source is a WTForms form (its text fields), a mapping of field name to value, or one
    WTForms field. A page calls it inside each form whose site links warn before leaving.
    """
    if request.method == "POST" and SHOWN_FIELD in request.form:
        # The form shown again (language, warning, a refusal): still based on what was first
        # shown, so that what was typed since is still counted as typed.
        return Markup('<input type="hidden" name="{0}" value="{1}">').format(
            SHOWN_FIELD, request.form[SHOWN_FIELD]
        )
    values: dict[str, str] = {}
    for source in sources:
        for name, value in _text_values(source):
            values[str(name)] = "" if value is None else str(value)
    digest = ";".join(f"{name}={_digest(name, value)}" for name, value in sorted(values.items()))
    return Markup('<input type="hidden" name="{0}" value="{1}">').format(SHOWN_FIELD, digest)


def typed_since_shown(form: Mapping[str, str]) -> bool:
    """Tell whether a sent form's text fields differ from what its page showed.

    A field the form did not send (shown, not editable) is not counted. A form without the
    digest (an old page, a forged post) counts as typed: shown again rather than dropped.
    """
    shown = form.get(SHOWN_FIELD)
    if shown is None:
        return True
    for entry in shown.split(";"):
        name, sep, digest = entry.rpartition("=")
        if not sep:
            continue
        if name in form and _digest(name, form.get(name, "")) != digest:
            return True
    return False


def leaving_to() -> str | None:
    """Where this request's page was being left for, if it was shown again to warn first."""
    return g.get("leaving_to")


#: What the hidden first button of a page form sends (base.html): Enter was pressed in a
#: field. Implicit submission presses a form's first submit button, so that button never
#: sends, submits, withdraws or deletes: the form comes back, filled, nothing sent, saying so.
ENTER = "enter"


def entered() -> bool:
    """Tell whether this request is Enter pressed in a field of a page form (base.html)."""
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return False
    try:
        return request.form.get("goto") == ENTER
    except HTTPException:  # a body too large to read (its error page asks too): not Enter
        return False


def showing_again() -> bool:
    """Tell a form's view to show the form again, filled, nothing sent.

    The language switcher (a button of the form), a site link pressed after typing, or Enter
    pressed in a field (the hidden first button: see ``entered``).
    """
    return switched_language() is not None or leaving_to() is not None or entered()


def leave_or_stay():
    """Before a form's view: a leave button goes, or stays with a warning if text was typed."""
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return None
    if request.endpoint in SAVES_BEFORE_LEAVING:
        return None
    goto = request.form.get("goto", "")
    if not goto.startswith("leave:"):
        return None
    target = leave_url(goto)
    if target is None:
        return None
    if not typed_since_shown(request.form):
        # 302, not 303: a form whose accepted sends are counted by their 303 (the
        # contribution form's rate limit) must not count a visitor who just went.
        return redirect(target, 302)
    g.leaving_to = target
    return None


#: Endpoints whose views answer Enter themselves: the questionnaire pages save (page_views,
#: review_views), the other public forms come back filled (``showing_again``).
ANSWERS_ENTER = SAVES_BEFORE_LEAVING | {
    "contributions.new",
    "contributions.reply",
    "campaign.join_post",
    "campaign.pledge_edit_post",
    "campaign.pledge_progress_post",
    "mail.email_link",
    "mail.lost_link",
    "campaign.lost_link",
}


def enter_sends_nothing():
    """Before any other form's view: Enter pressed in a field (a hidden first button with
    goto=enter, templates/_enter_sends_nothing.html) does nothing the form's buttons do; the
    page holds what was typed, with "Send again" and the way back to the form."""
    if not entered() or request.endpoint in ANSWERS_ENTER:
        return None
    from flask_babel import gettext as _

    from consult.core.errors import resend_page

    return resend_page(
        refusal=_("Nothing was sent: pressing Enter in a field does not send this form."),
        without=("goto",),
    )


def init_app(app: Flask) -> None:
    """Run leave_or_stay before every view (after the CSRF check) and expose the helpers."""
    app.before_request(leave_or_stay)
    app.before_request(enter_sends_nothing)
    app.add_template_global(shown_fields)
    app.add_template_global(leaving_to)
    app.add_template_global(entered)
