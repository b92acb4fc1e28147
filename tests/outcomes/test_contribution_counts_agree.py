"""No public page or download hides a figure another one gives (issue 17's review: the
outcomes' figure of contributions by region read "fewer than 5" for Eurasia while
/contributions?region=eurasia said "4 contributions match your filters").

Each published contribution is public at /contributions with its kind, article, region and
language, and that list counts any filter exactly. So counts of published contributions are
not suppressed anywhere (suppression._contributions): a walk over the public figures of
contributions (page downloads, by kind, region, language and article) compares each cell with
what the list says of the same filter.
"""

from __future__ import annotations

import csv
import io
import random
import re

from flask_babel import refresh

from consult.contributions.models import KINDS
from consult.db import db, writing
from consult.geography import REGION_KEYS
from consult.outcomes import operations
from consult.outcomes.formatting import article_label, breakdown_label
from consult.outcomes.models import OutcomeSnapshot
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_contributions_in_outcomes import contribute
from tests.outcomes.test_differencing import _latest_snapshot
from tests.outcomes.test_pages import freeze, publish

#: figure name -> the list's filter of the same cells.
FIGURES = {
    "contributions:kind": "kind",
    "contributions:region": "region",
    "contributions:language": "language",
    "contributions:articles": "article",
}


def _make(app) -> None:
    """Contributions with small groups: 1 to 4 in several regions, kinds and languages."""
    rng = random.Random(17)
    with app.app_context(), writing():
        for number in range(40):
            contribute(
                db.session,
                article=rng.choice([None, "art01", "art02", "art07"]),
                part=None,
                kind=rng.choice(KINDS),
                region=rng.choice([*REGION_KEYS[:3], *(["europe"] * 6), None]),
                language=rng.choice(("en", "en", "en", "fr", "es")),
                text=f"The Charter should speak of housing, number {number}.",
            )
        db.commit()


def _listed(client, field: str, key: str) -> int:
    """How many contributions the public list says match one filter."""
    page = client.get(f"/contributions?{field}={key}&lang=en").get_data(as_text=True)
    assert f'<option value="{key}" selected>' in page, (field, key)
    found = re.search(r"(\d+) contributions? match your filters", page)
    return int(found.group(1)) if found else 0


def _label(app, field: str, key: str, summary) -> str:
    """The label the public figure gives the cell of ``key``."""
    with app.test_request_context("/?lang=en"):
        refresh()
        if field == "article":
            return article_label(summary, key)
        return breakdown_label(field, key, summary)


def test_every_public_count_of_contributions_agrees_with_the_list(app, login):
    fill_demo(app, 30)
    _make(app)
    admin = login(app.test_client(), "admin")
    assert freeze(admin, label="Public").status_code in (302, 303)
    snapshot = _latest_snapshot(app)
    publish(admin, snapshot)
    with app.app_context():
        summary = operations.snapshot_summary(db.session.get(OutcomeSnapshot, snapshot))
    public = app.test_client()
    compared = small = 0
    for name, field in FIGURES.items():
        reply = public.get(f"/outcomes/figure.csv?name={name}&lang=en")
        assert reply.status_code == 200, name
        rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
        cells = {row[0]: row[1] for row in rows[1:]}
        page = public.get("/outcomes?lang=en").get_data(as_text=True)
        keys = {
            "kind": KINDS,
            "region": REGION_KEYS,
            "language": ("en", "fr", "es"),
            "article": ("art01", "art02", "art07"),
        }[field]
        for key in keys:
            count = _listed(public, field, key)
            label = _label(app, field, key, summary)
            if count == 0:
                continue
            shown = cells.get(label)
            assert shown is not None, (name, label, sorted(cells))
            assert shown == str(count), (name, label, shown, count)
            compared += 1
            small += count < 5
        assert "Contributions by region" in page or field != "region"
    assert compared >= 12 and small >= 3, (compared, small)
    # The public page hides no contribution cell either: its region table has no hidden cell.
    page = public.get("/outcomes?lang=en").get_data(as_text=True)
    table = page[page.index("Contributions by region") :]
    table = table[: table.index("</table>")]
    assert "fewer than" not in table
