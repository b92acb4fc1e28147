"""Whether a snapshot's deck may go on stage or out as a file: the differencing rule for decks.

Two snapshots that differ by fewer than the threshold of responses, set side by side, show
those few responses' region, country and answers (operations.differencing): "Latin America:
60 → 61", and every article the newcomer ticked gaining a point. Publishing is refused then;
and a deck is shown to an audience and handed out whether or not its snapshot is published,
so the rule compares a snapshot with every other snapshot, published or not. A snapshot
that close to another one gets a caution at the top of its HTML deck and presenter view, and
its PowerPoint and PDF downloads (with or without speaker notes) are refused with a page
saying why and what to do. A snapshot published itself prints nothing the public has not
seen: no caution.

Every page that links a snapshot's deck asks deck_offer (a template global, see deck_views):
the caution goes next to the links, before the analyst clicks, and a refused download is not
offered as a link but explained. The snapshot's staff page and downloads (summary JSON, the
figures and rows with ?snapshot=) are the analysts' working figures, small cells included:
never for an audience, published or not, so this rule does not add to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from consult.core.errors import render_error
from consult.db import db
from consult.i18n import format_moment
from consult.outcomes import deck_content, differencing, operations, stale_dates
from consult.outcomes.blueprints import threshold
from consult.outcomes.deck_settings import LANGUAGES, Closing, DeckSettings, closing_from
from consult.outcomes.models import OutcomePublication, OutcomeSnapshot


@dataclass(frozen=True)
class DeckCaution:
    """Why a snapshot's deck must not be shown in public, in the request's language."""

    title: str
    reason: str
    advice: str


def deck_caution(frozen: OutcomeSnapshot) -> DeckCaution | None:
    """The caution of a snapshot's deck, or None when it may be shown (once per request)."""
    prepare_cautions([frozen])
    return g.deck_cautions[frozen.id]


def prepare_cautions(snapshots: Sequence[OutcomeSnapshot]) -> None:
    """Work out the cautions of ``snapshots`` for this request in a few queries, whatever their
    number (a page listing them all asks deck_caution of each next)."""
    cache = g.setdefault("deck_cautions", {})
    missing = [frozen for frozen in snapshots if frozen.id not in cache]
    if not missing:
        return
    published = set(
        db.session.scalars(
            select(OutcomePublication.snapshot_id)
            .where(OutcomePublication.snapshot_id.in_([frozen.id for frozen in missing]))
            .distinct()
        )
    )
    limit = threshold()
    unpublished = [frozen for frozen in missing if frozen.id not in published]
    closes = differencing.cached_differencing(db.session, db.engine, unpublished, limit)
    for frozen in missing:
        close = closes.get(frozen.id)
        cache[frozen.id] = None if close is None else _caution(close, limit)
    # The closing slides of them all in one query (stale_closing_note reads them from here).
    settings = {
        row.snapshot_id: row
        for row in db.session.scalars(
            select(DeckSettings).where(
                DeckSettings.snapshot_id.in_([frozen.id for frozen in missing])
            )
        )
    }
    default = deck_content.default_closing()
    stale = g.setdefault("deck_stale_closings", {})
    for frozen in missing:
        stale[frozen.id] = _stale_note(closing_from(settings.get(frozen.id), default), frozen)


def _caution(close: operations.Differencing, limit: int) -> DeckCaution:
    n = close.differing + close.unknown
    if close.published_at is None:
        reason = ngettext(
            "Beside the deck of snapshot “%(label)s” (frozen on %(when)s, not published), this "
            "snapshot differs by %(n)s response, fewer than %(threshold)s: comparing the two "
            "decks would show that response's region, country and answers.",
            "Beside the deck of snapshot “%(label)s” (frozen on %(when)s, not published), this "
            "snapshot differs by %(n)s responses, fewer than %(threshold)s: comparing the two "
            "decks would show those responses' region, country and answers.",
            n,
            n=n,
            when=format_moment(close.earlier.frozen_at),
            label=close.earlier.label,
            threshold=limit,
        )
    else:
        reason = ngettext(
            "Beside the outcomes published on %(when)s (snapshot “%(label)s”), this snapshot "
            "differs by %(n)s response, fewer than %(threshold)s: comparing the two decks or "
            "pages would show that response's region, country and answers.",
            "Beside the outcomes published on %(when)s (snapshot “%(label)s”), this snapshot "
            "differs by %(n)s responses, fewer than %(threshold)s: comparing the two decks or "
            "pages would show those responses' region, country and answers.",
            n,
            n=n,
            when=format_moment(close.published_at),
            label=close.earlier.label,
            threshold=limit,
        )
    return DeckCaution(
        title=_("Do not show this deck in public."),
        reason=reason,
        advice=_(
            "Present the published snapshot's deck, or freeze again later, once at least "
            "%(threshold)s responses differ. The PowerPoint and PDF downloads of this deck are "
            "refused.",
            threshold=limit,
        ),
    )


def refused_download(frozen: OutcomeSnapshot):
    """The page refusing a PowerPoint or PDF of a cautioned deck (409), or None."""
    caution = deck_caution(frozen)
    if caution is None:
        return None
    return render_error(409, f"{caution.title} {caution.reason} {caution.advice}")


#: The deck's downloads: (label, endpoint, extra arguments).
DOWNLOADS = (
    (_l("PowerPoint"), "outcomes_deck.pptx", {}),
    (_l("PDF"), "outcomes_deck.pdf", {}),
    (_l("PDF with speaker notes"), "outcomes_deck.pdf", {"notes": 1}),
)


@dataclass(frozen=True)
class DeckLink:
    """One way to open or take a snapshot's deck; ``url`` None when it is refused."""

    label: str
    url: str | None


@dataclass(frozen=True)
class DeckOffer:
    """What a page may offer of a snapshot's deck, and the caution to print beside it."""

    caution: DeckCaution | None
    deck: DeckLink
    presenter: DeckLink
    downloads: tuple[DeckLink, ...]
    #: The closing slide names dates before the data time, as if to come ("" if not).
    stale_closing: str = ""

    @property
    def refused_note(self) -> str:
        """Why the downloads are not offered ("" when they are)."""
        if self.caution is None:
            return ""
        return _("No PowerPoint or PDF of this deck: it must not be handed out (see the caution).")


def data_day(frozen: OutcomeSnapshot) -> date:
    """The day of a snapshot's data time, in the time zone it was frozen in."""
    return frozen.data_as_of.astimezone(ZoneInfo(frozen.timezone)).date()


def closing_past_dates(closing: Closing, frozen: OutcomeSnapshot) -> list[str]:
    """The dates the closing slide names (title or points, any language) before the data
    time: the slide of next steps would state them as still to come."""
    day = data_day(frozen)
    found: list[str] = []
    for language in LANGUAGES:
        text = f"{closing.title.get(language, '')}\n{closing.text.get(language, '')}"
        found += [d for d in stale_dates.past_dates(text, day) if d not in found]
    return found


def stale_closing_note(frozen: OutcomeSnapshot) -> str:
    """The warning a page linking the deck prints when its closing slide names past dates
    (worked out with the cautions, once per request)."""
    prepare_cautions([frozen])
    return g.deck_stale_closings[frozen.id]


def _stale_note(closing: Closing, frozen: OutcomeSnapshot) -> str:
    past = closing_past_dates(closing, frozen)
    if not past:
        return ""
    return _(
        "The closing slide names %(dates)s, before this snapshot's data time (%(when)s): "
        "check that it does not present them as still to come.",
        dates=", ".join(f"“{d}”" for d in past),
        when=format_moment(frozen.data_as_of),
    )


def deck_offer(frozen: OutcomeSnapshot, language: str | None = None) -> DeckOffer:
    """The links a page offers of a snapshot's deck (in ``language``, if given): the deck and
    the presenter view always, the downloads only when the deck may be handed out."""
    caution = deck_caution(frozen)
    lang = {"lang": language} if language else {}
    return DeckOffer(
        caution=caution,
        deck=DeckLink(_("Open the deck"), url_for("outcomes.deck", snapshot_id=frozen.id, **lang)),
        presenter=DeckLink(
            _("Presenter view"),
            url_for("outcomes_deck.presenter", snapshot_id=frozen.id, **lang),
        ),
        downloads=tuple(
            DeckLink(
                str(label),
                None
                if caution is not None
                else url_for(endpoint, snapshot_id=frozen.id, **lang, **extra),
            )
            for label, endpoint, extra in DOWNLOADS
        ),
        stale_closing=stale_closing_note(frozen),
    )
