"""Load published contributions into pandas, for outcomes and exports. No Flask here.

Only published contributions ever leave this module: pending, rejected, hidden and withdrawn
ones, and every contributor's personal data, stay out.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from consult.contributions.models import Contribution

CONTRIBUTION_COLUMNS = [
    "contribution_id",
    "created_at",
    "article",
    "part",
    "kind",
    "language",
    "country",
    "region",
    "organisation_type",
    "text",
    "supports",
]


def load_published_contributions(connection: Connection) -> pd.DataFrame:
    """Return one row per published contribution, oldest first (columns CONTRIBUTION_COLUMNS).

    ``article`` and ``part`` are None for a contribution on the Charter as a whole (or on a
    whole article); ``text`` is verbatim.
    """
    query = (
        select(
            Contribution.id.label("contribution_id"),
            Contribution.created_at,
            Contribution.article,
            Contribution.part,
            Contribution.kind,
            Contribution.language,
            Contribution.country,
            Contribution.region,
            Contribution.organisation_type,
            Contribution.text,
            Contribution.support_count.label("supports"),
        )
        .where(Contribution.status == "published")
        .order_by(Contribution.created_at, Contribution.id)
    )
    frame = pd.DataFrame(connection.execute(query).all(), columns=CONTRIBUTION_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["supports"] = frame["supports"].astype("int64")
    return frame
