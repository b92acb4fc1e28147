"""Outcome pages, one module per audience, on the blueprints of consult.outcomes.blueprints.

Importing this module registers every route: the staff workbench (workbench_views), its quotes
bank (quote_bank_views), snapshots and the deck (snapshot_views), publishing them
(publication_views), the analyst's tools: downloads, cross-tabulation, dashboard
(workbench_tools), and the public page (public_views).
"""

from __future__ import annotations

from consult.outcomes import (
    public_views,
    publication_views,
    quote_bank_views,
    snapshot_views,
    workbench_tools,
    workbench_views,
)
from consult.outcomes.blueprints import bp, public

__all__ = [
    "bp",
    "public",
    "publication_views",
    "public_views",
    "quote_bank_views",
    "snapshot_views",
    "workbench_tools",
    "workbench_views",
]
