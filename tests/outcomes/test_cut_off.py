"""A cut-off typed in a time zone names one moment, or is refused with a sentence saying why
(operations.local_cut_off, the freeze form's one reading of a typed cut-off)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from consult.outcomes import operations
from consult.outcomes.actors import OutcomesError
from tests.conftest import csrf_token

SNAPSHOTS = "/staff/outcomes/snapshots"

CASES = [
    # (typed, zone, the moment in UTC, or the start of the refusal)
    ("2026-01-15T18:00", "Europe/Paris", "2026-01-15T17:00", None),
    ("2026-07-15T18:00", "Europe/Paris", "2026-07-15T16:00", None),
    ("2026-03-29T01:59", "Europe/Paris", "2026-03-29T00:59", None),
    ("2026-03-29T03:00", "Europe/Paris", "2026-03-29T01:00", None),
    ("2026-03-29T02:30", "Europe/Paris", None, "2026-03-29 02:30 does not exist in Europe/Paris"),
    ("2026-10-25T02:30", "Europe/Paris", None, "2026-10-25 02:30 happened twice in Europe/Paris"),
    ("2026-03-08T02:15", "America/New_York", None, "2026-03-08 02:15 does not exist"),
    ("2026-11-01T01:30", "America/New_York", None, "2026-11-01 01:30 happened twice"),
    ("2026-10-25T02:30", "UTC", "2026-10-25T02:30", None),
    ("2026-10-25T02:30", "Asia/Seoul", "2026-10-24T17:30", None),
    # an offset typed with the time wins over the zone chosen for the display
    ("2026-10-25T02:30+00:00", "Europe/Paris", "2026-10-25T02:30", None),
    ("2026-01-15T18:00-05:00", "Asia/Tokyo", "2026-01-15T23:00", None),
]


@pytest.mark.parametrize(("typed", "zone", "moment", "refusal"), CASES)
def test_a_typed_cut_off_names_one_moment_or_is_refused(typed, zone, moment, refusal):
    typed_at = datetime.fromisoformat(typed)
    if refusal:
        with pytest.raises(OutcomesError, match=re.escape(refusal)):
            operations.local_cut_off(typed_at, ZoneInfo(zone))
        return
    cut_off = operations.local_cut_off(typed_at, ZoneInfo(zone))
    assert cut_off.astimezone(UTC).replace(tzinfo=None) == datetime.fromisoformat(moment)
    assert cut_off.tzinfo is not None


def test_a_refused_cut_off_keeps_what_was_typed_and_says_why_in_french(app, login):
    client = login(app.test_client(), "analyst")
    page = client.get(SNAPSHOTS).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "label": "Séance de Séoul",
        "cutoff": "earlier",
        "as_of": "2025-10-26T02:30",
        "timezone": "Europe/Paris",
    }
    refused = client.post(f"{SNAPSHOTS}?lang=fr", data=form)
    text = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "2025-10-26 02:30 existe deux fois dans le fuseau Europe/Paris" in text
    assert 'value="Séance de Séoul"' in text and 'value="2025-10-26T02:30"' in text
    future = client.post(f"{SNAPSHOTS}?lang=fr", data={**form, "as_of": "2999-01-01T10:00"})
    assert "La date d'arrêt ne peut pas être dans le futur." in unescape(
        future.get_data(as_text=True)
    )


def test_the_freeze_form_writes_times_in_utc_unless_staff_choose_a_zone(app, login):
    """Receipts and questionnaire pages write times in UTC: a snapshot frozen without choosing
    a zone does too (it once defaulted to Europe/Paris, and the deck said CET)."""
    client = login(app.test_client(), "analyst")
    page = client.get(SNAPSHOTS).get_data(as_text=True)
    selected = re.search(r'<option value="([^"]+)" selected>', page)
    assert selected is not None and selected.group(1) == "UTC"
    assert "an earlier moment you type is read in this zone" in page
