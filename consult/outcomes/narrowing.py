"""When freezing or publishing would make the outcomes say less than they do: a snapshot
holding no response, or a publication of no response, of part of the consultation only or of
older data in place of the outcomes published now. Each needs an explicit, labelled
confirmation: the one check the views and operations share."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _

from consult.outcomes.actors import OutcomesError
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.formatting import data_time
from consult.outcomes.models import OutcomeSnapshot

#: Why a publication would say less than the one shown now (Narrowing.reasons).
EMPTY = "empty"
PARTIAL = "partial"
OLDER = "older"


class EmptySnapshotError(OutcomesError):
    """A freeze would keep a snapshot of no response, and nobody confirmed it."""


class NarrowingError(OutcomesError):
    """Publishing would make the public page say less, and nobody confirmed it."""

    def __init__(self, narrowing: Narrowing) -> None:
        super().__init__(" ".join(narrowing.sentences()))
        self.narrowing = narrowing


def empty_freeze_message() -> str:
    """Why a freeze of no response is refused until confirmed, in the page's language."""
    return _(
        "This snapshot would hold no response: published, it would say “0 responses” and show "
        "no figure. Change the filters or the cut-off, or tick the confirmation that it holds "
        "none."
    )


def check_freeze(responses: int, confirmed_empty: bool) -> None:
    """Refuse (EmptySnapshotError) a freeze of no response that was not explicitly confirmed."""
    if responses == 0 and not confirmed_empty:
        raise EmptySnapshotError(empty_freeze_message())


def _is_filtered(snapshot: OutcomeSnapshot) -> bool:
    filters = json.loads(snapshot.summary_json).get("filters")
    return not SummaryFilter.from_dict(filters).is_empty


@dataclass(frozen=True)
class Narrowing:
    """How publishing ``snapshot`` in place of ``published`` would make the page say less."""

    snapshot: OutcomeSnapshot
    published: OutcomeSnapshot | None
    reasons: tuple[str, ...]

    def sentences(self) -> list[str]:
        """Each reason in words, in the page's language."""
        texts = []
        if EMPTY in self.reasons:
            texts.append(
                _(
                    "This snapshot holds no response: the public page would say “0 responses” "
                    "in every language and show no figure."
                )
            )
        if PARTIAL in self.reasons and self.published is not None:
            texts.append(
                _(
                    "This snapshot covers part of the consultation only, and would replace "
                    "outcomes (“%(label)s”) that cover all of it; the public page will say "
                    "which part it covers.",
                    label=self.published.label,
                )
            )
        if OLDER in self.reasons and self.published is not None:
            texts.append(
                _(
                    "Its data stop at %(when)s, before those of the outcomes published now "
                    "(“%(label)s”, until %(published)s): it would show older figures.",
                    when=data_time(self.snapshot.data_as_of, self.snapshot.timezone),
                    label=self.published.label,
                    published=data_time(self.published.data_as_of, self.snapshot.timezone),
                )
            )
        return texts


def narrowing(snapshot: OutcomeSnapshot, published: OutcomeSnapshot | None) -> Narrowing | None:
    """Say how publishing ``snapshot`` where ``published`` is shown (None: nothing is) would make
    the public page say less; None when it would not."""
    reasons = []
    if snapshot.response_count == 0:
        reasons.append(EMPTY)
    if published is not None and published.id != snapshot.id:
        if _is_filtered(snapshot) and not _is_filtered(published):
            reasons.append(PARTIAL)
        if snapshot.data_as_of < published.data_as_of:
            reasons.append(OLDER)
    return Narrowing(snapshot, published, tuple(reasons)) if reasons else None
