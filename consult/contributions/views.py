"""Public pages of open contributions, one module per purpose, on the blueprint of
consult.contributions.blueprint.

Importing this module registers every route: the form, the private status page and withdrawing
(author_views), the list (listing_views), a contribution with its replies, supports and reports
(detail_views). Nobody needs an account. Nothing pending, rejected, hidden or withdrawn is ever
shown here, except to its author through the private status link.
"""

from __future__ import annotations

from consult.contributions import author_views, detail_views, listing_views
from consult.contributions.blueprint import bp

__all__ = ["author_views", "bp", "detail_views", "listing_views"]
