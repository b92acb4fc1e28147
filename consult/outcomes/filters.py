"""Which responses a summary covers: the filter every summary, snapshot and contribution
count shares (kept here, below both, so that neither imports the other)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class SummaryFilter:
    """Which submitted responses a summary covers."""

    questionnaire: str | None = None
    region: str | None = None
    respondent_type: str | None = None
    #: Submission dates (UTC), both ends included.
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def is_empty(self) -> bool:
        """Tell whether the filter lets everything through."""
        return not any(asdict(self).values())

    def as_dict(self) -> dict[str, str | None]:
        """Return the filter as JSON-ready data."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    def select(self, responses: pd.DataFrame, moment_column: str = "submitted_at") -> pd.Series:
        """Return a boolean mask of the responses this filter keeps."""
        mask = pd.Series(True, index=responses.index)
        if self.questionnaire:
            mask &= responses["questionnaire"] == self.questionnaire
        if self.region:
            mask &= responses["region"] == self.region
        if self.respondent_type:
            mask &= responses["respondent_type"] == self.respondent_type
        if self.submitted_from or self.submitted_to:
            days = responses[moment_column].dt.date
            if self.submitted_from:
                mask &= days >= self.submitted_from
            if self.submitted_to:
                mask &= days <= self.submitted_to
        return mask.fillna(False).astype(bool)
