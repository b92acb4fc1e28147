"""The deck beyond the slides: its closing slide set by staff, the presenter view, and the
PowerPoint and PDF downloads, in the deck's language (?lang=en|fr|es).

Each download renders the deck page itself (consult.outcomes.views.deck) and converts it, so the
HTML deck, the presenter view, the PPTX and the PDF always show the same slides and figures.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import Response as HttpResponse
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from consult.core.errors import render_error
from consult.core.inputs import Form
from consult.db import db
from consult.exports import naming
from consult.i18n import current_language, format_moment
from consult.outcomes import deck_content, deck_fit, deck_guard, deck_pdf, deck_pptx
from consult.outcomes import snapshot_views as views
from consult.outcomes.blueprints import STAFF_ROLES, snapshot_or_404, threshold
from consult.outcomes.deck_settings import (
    LANGUAGES,
    POINTS,
    TEXT_LENGTH,
    TITLE_LENGTH,
    Closing,
    left_default,
    save_closing,
)
from consult.outcomes.filter_words import coverage_note
from consult.staff import audit
from consult.staff.access import role_required
from consult.staff.views import client_ip

bp = Blueprint("outcomes_deck", __name__, url_prefix="/staff/outcomes")
# Any page linking a snapshot's deck asks deck_guard what to offer (and which caution).
bp.add_app_template_global(deck_guard.deck_offer, "deck_offer")

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


class ClosingForm(Form):
    """The closing slide of a snapshot's deck, in English, French and Spanish."""

    title_en = StringField(_l("Title (English)"), validators=[Length(max=TITLE_LENGTH)])
    title_fr = StringField(_l("Title (French)"), validators=[Length(max=TITLE_LENGTH)])
    title_es = StringField(_l("Title (Spanish)"), validators=[Length(max=TITLE_LENGTH)])
    text_en = TextAreaField(_l("Points (English)"), validators=[Length(max=TEXT_LENGTH)])
    text_fr = TextAreaField(_l("Points (French)"), validators=[Length(max=TEXT_LENGTH)])
    text_es = TextAreaField(_l("Points (Spanish)"), validators=[Length(max=TEXT_LENGTH)])
    past_dates_ok = BooleanField(
        _l("The dates before the data time are said as past, not as next steps")
    )
    #: The snapshot whose closing slide this is (its data time dates the slide).
    frozen = None

    def validate(self, extra_validators=None) -> bool:
        """Check the lengths, that no language has more points than a slide holds, and that
        no date before the data time is named unless staff confirm it is said as past."""
        valid = super().validate(extra_validators)
        if self.frozen is not None and not self.past_dates_ok.data:
            valid = self._no_past_dates() and valid
        for language in LANGUAGES:
            field = getattr(self, f"text_{language}")
            lines = [line for line in (field.data or "").splitlines() if line.strip()]
            if len(lines) > POINTS:
                field.errors.append(
                    _("At most %(n)s points (one per line): a slide is read from afar.", n=POINTS)
                )
                valid = False
            elif not _closing_fits(language, getattr(self, f"title_{language}").data, field.data):
                field.errors.append(
                    _(
                        "Too long for one slide at a size read from the back of the room: "
                        "shorten the points or the title."
                    )
                )
                valid = False
        return valid

    def _no_past_dates(self) -> bool:
        """Refuse a closing slide naming a date before the data time, unless confirmed: a
        slide of next steps states what it names as still to come."""
        valid = True
        for language in LANGUAGES:
            field = getattr(self, f"text_{language}")
            closing = Closing(
                title={language: getattr(self, f"title_{language}").data or ""},
                text={language: field.data or ""},
            )
            past = deck_guard.closing_past_dates(closing, self.frozen)
            if past:
                field.errors.append(
                    _(
                        "This names %(dates)s, before the data time (%(when)s), on a slide "
                        "of next steps: remove the date, or tick the box below if the slide "
                        "says it is past.",
                        dates=", ".join(f"“{d}”" for d in past),
                        when=format_moment(self.frozen.data_as_of),
                    )
                )
                valid = False
        return valid


def _closing_fits(language: str, title: str | None, text: str | None) -> bool:
    """Whether a closing slide as typed fits its slide in ``language`` (deck_fit), an empty
    title or text standing for the default's, as on the slide."""
    default = deck_content.default_closing()
    closing = Closing(
        title={language: (title or "").strip() or default.title[language]},
        text={language: (text or "").strip() or default.text[language]},
    )
    with force_locale(language):
        foot = _("UCLG CISDP · Global Charter-Agenda for Human Rights in the City")
    return deck_fit.closing_fits(
        closing.title[language], deck_content.closing_points(closing, language), foot
    )


def _left_default_warning(languages: list[str]) -> str:
    names = ", ".join(LANGUAGE_NAMES[language] for language in languages)
    return ngettext(
        "%(languages)s still shows the default next steps: the audiences in other languages "
        "would read a different closing slide. Write it in this language too.",
        "%(languages)s still show the default next steps: the audiences in other languages "
        "would read a different closing slide. Write it in these languages too.",
        len(languages),
        languages=names,
    )


@bp.route("/<int:snapshot_id>/deck/closing", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def settings(snapshot_id: int):
    """Set the closing slide of a snapshot's deck in three languages (logged)."""
    frozen = snapshot_or_404(snapshot_id)
    closing = deck_content.closing_slide(db.session, frozen.id)
    form = ClosingForm()
    form.frozen = frozen
    if request.method == "GET":
        for language in LANGUAGES:
            getattr(form, f"title_{language}").data = closing.title.get(language, "")
            getattr(form, f"text_{language}").data = closing.text.get(language, "")
    if form.validate_on_submit():
        title = {lang: getattr(form, f"title_{lang}").data or "" for lang in LANGUAGES}
        text = {lang: getattr(form, f"text_{lang}").data or "" for lang in LANGUAGES}
        save_closing(db.session, frozen.id, title, text, current_user.email)
        audit.record(
            db.session,
            current_user,
            "outcomes.deck_closing",
            target=f"snapshot:{frozen.id}",
            details={"title": title},
            ip=client_ip(),
        )
        db.commit()
        flash(_("The closing slide is saved."), "success")
        return redirect(url_for("outcomes_deck.settings", snapshot_id=frozen.id), 303)
    left = left_default(closing, deck_content.default_closing())
    return render_template(
        "outcomes/deck_closing.html",
        snapshot=frozen,
        form=form,
        closing=closing,
        left_default=_left_default_warning(left) if left else None,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        points=POINTS,
    ), (400 if form.errors else 200)


@bp.get("/<int:snapshot_id>/deck/presenter")
@role_required(*STAFF_ROLES)
def presenter(snapshot_id: int):
    """The presenter view: current and next slide, the speaker notes and a clock."""
    frozen = snapshot_or_404(snapshot_id)
    slides = _slides_and_notes(frozen)
    return render_template(
        "outcomes/presenter.html",
        snapshot=frozen,
        slides=slides,
        caution=deck_guard.deck_caution(frozen),
        deck_url=url_for("outcomes.deck", snapshot_id=frozen.id, lang=current_language()),
        embed_url=url_for(
            "outcomes.deck", snapshot_id=frozen.id, lang=current_language(), embed="1"
        ),
    )


def deck_html(snapshot_id: int) -> str:
    """The deck page as the audience sees it, rendered for this request's language."""
    page = views.deck(snapshot_id)
    return page.get_data(as_text=True) if hasattr(page, "get_data") else page


def _slides_and_notes(frozen) -> list[dict]:
    """The deck's slides in order (key and title) with their speaker notes."""
    html = deck_html(frozen.id)
    notes = _notes(frozen)
    return [
        {
            "number": number,
            "key": slide.key,
            "title": slide.title,
            "notes": notes.get(slide.key, []),
        }
        for number, slide in enumerate(deck_pptx.read_slides(html), start=1)
    ]


def _notes(frozen) -> dict[str, list[str]]:
    summary, quotes, findings = views.deck_figures(frozen)
    closing = deck_content.closing_slide(db.session, frozen.id)
    return deck_content.speaker_notes(
        summary,
        frozen,
        findings,
        quotes,
        closing,
        threshold(),
        coverage_note(summary.get("filters")),
    )


def _download(
    frozen, fmt: str, body: bytes, mimetype: str, with_notes: bool = False
) -> HttpResponse:
    details = {"format": fmt, "language": current_language()}
    if with_notes:
        details["notes"] = True
    audit.record(
        db.session,
        current_user,
        "export.outcomes",
        target=f"snapshot:{frozen.id}",
        details=details,
        ip=client_ip(),
    )
    db.commit()
    name = naming.download_name(
        "outcomes",
        "deck",
        "notes" if with_notes else None,
        fmt=fmt,
        snapshot=frozen.id,
        language=current_language(),
        day=frozen.data_as_of,
    )
    return HttpResponse(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": naming.content_disposition(name),
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<int:snapshot_id>/deck.pptx")
@role_required(*STAFF_ROLES)
def pptx(snapshot_id: int):
    """The deck as a PowerPoint file: native text, charts as images, speaker notes."""
    frozen = snapshot_or_404(snapshot_id)
    refused = deck_guard.refused_download(frozen)
    if refused is not None:
        return refused
    body = deck_pptx.build_pptx(deck_html(frozen.id), _notes(frozen))
    return _download(
        frozen,
        "pptx",
        body,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )


@bp.get("/<int:snapshot_id>/deck.pdf")
@role_required(*STAFF_ROLES)
def pdf(snapshot_id: int):
    """The deck as a PDF, one slide per page, printed by headless Chromium; with ?notes=1,
    each slide is followed by a page of its speaker notes."""
    frozen = snapshot_or_404(snapshot_id)
    refused = deck_guard.refused_download(frozen)
    if refused is not None:
        return refused
    html = deck_html(frozen.id)
    with_notes = request.args.get("notes") == "1"
    if with_notes:
        html = deck_pdf.with_notes(
            html,
            [
                (
                    _(
                        "Speaker notes · Slide %(n)s: %(title)s",
                        n=slide["number"],
                        title=slide["title"],
                    ),
                    slide["notes"],
                )
                for slide in _slides_and_notes(frozen)
            ],
        )
    try:
        body = deck_pdf.build_pdf(html, current_app)
    except deck_pdf.PdfUnavailable as exc:
        current_app.logger.warning("deck PDF unavailable: %s", exc)
        return render_error(
            503,
            _(
                "This server cannot print the deck (no Chromium). Download the PowerPoint "
                "file, or print the deck from the browser: one slide per page."
            ),
        )
    return _download(frozen, "pdf", body, "application/pdf", with_notes=with_notes)
