"""What staff set for a snapshot's deck: the closing slide's title and points, in three languages.

A snapshot never changes once frozen; its deck settings live beside it, one row per snapshot,
and can be edited until the session (and after: every change is in the audit log). Without a
row the deck closes with the default next steps of the revision, in the deck's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.db import Base, UTCDateTime, utcnow

LANGUAGES = ("en", "fr", "es")
#: Longest title and text staff may set (a slide is read from the back of a room).
TITLE_LENGTH = 120
TEXT_LENGTH = 900
#: At most this many points (lines of the text) on the closing slide.
POINTS = 6


class DeckSettings(Base):
    """The deck of one snapshot as staff set it."""

    __tablename__ = "outcome_deck_settings"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    #: The closing slide's title, JSON {"en": ..., "fr": ..., "es": ...}.
    closing_title: Mapped[str] = mapped_column(Text)
    #: The closing slide's points, one per line, JSON {"en": ..., "fr": ..., "es": ...}.
    closing_text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_email: Mapped[str] = mapped_column(String(254))


@dataclass(frozen=True)
class Closing:
    """The closing slide: a title and its points, in every language."""

    title: Mapping[str, str]
    text: Mapping[str, str]
    #: Set by staff for this snapshot (False: the default next steps).
    is_custom: bool = False

    def points(self, language: str) -> list[tuple[str, str]]:
        """Return the points in ``language`` as (lead, rest): "Lead: rest" splits at the colon."""
        lines = [line.strip() for line in self.text.get(language, "").splitlines()]
        points = []
        for line in (line for line in lines if line):
            lead, colon, rest = line.partition(": ")
            points.append((lead, rest) if colon and len(lead) <= 80 else ("", line))
        return points[:POINTS]


def _same(one: str, other: str) -> bool:
    return " ".join(one.split()) == " ".join(other.split())


def left_default(closing: Closing, default: Closing) -> list[str]:
    """The languages whose closing slide still shows the default next steps while another
    language's was rewritten: three audiences of one session would read different closings."""
    unchanged = [
        language
        for language in LANGUAGES
        if _same(closing.title.get(language, ""), default.title.get(language, ""))
        and _same(closing.text.get(language, ""), default.text.get(language, ""))
    ]
    return unchanged if len(unchanged) < len(LANGUAGES) else []


def closing_of(session: Session, snapshot_id: int, default: Closing) -> Closing:
    """Return the closing slide staff set for a snapshot, or ``default``."""
    return closing_from(session.get(DeckSettings, snapshot_id), default)


def closing_from(settings: DeckSettings | None, default: Closing) -> Closing:
    """Return the closing slide of stored ``settings``, or ``default`` without any."""
    if settings is None:
        return default
    title = json.loads(settings.closing_title)
    text = json.loads(settings.closing_text)
    # A language left empty falls back to the default's, never to an empty slide.
    return Closing(
        title={lang: title.get(lang) or default.title.get(lang, "") for lang in LANGUAGES},
        text={lang: text.get(lang) or default.text.get(lang, "") for lang in LANGUAGES},
        is_custom=True,
    )


def save_closing(
    session: Session,
    snapshot_id: int,
    title: Mapping[str, str],
    text: Mapping[str, str],
    actor_email: str,
) -> DeckSettings:
    """Store the closing slide of a snapshot's deck (flushes; the caller commits)."""
    settings = session.get(DeckSettings, snapshot_id)
    if settings is None:
        settings = DeckSettings(snapshot_id=snapshot_id)
        session.add(settings)
    settings.closing_title = json.dumps(
        {lang: title.get(lang, "").strip() for lang in LANGUAGES}, ensure_ascii=False
    )
    settings.closing_text = json.dumps(
        {lang: text.get(lang, "").strip() for lang in LANGUAGES}, ensure_ascii=False
    )
    settings.updated_by_email = actor_email
    settings.updated_at = utcnow()
    session.flush()
    return settings
