"""Joining the campaign, on the blueprint of consult.campaign.blueprint.

Importing this module registers every route: the join form (join_views) and the pledge's
personal page, its update, letter and progress report (pledge_views), and its way back when
the link is lost (link_views).
"""

from __future__ import annotations

from consult.campaign import join_views, link_views, pledge_views
from consult.campaign.blueprint import bp

__all__ = ["bp", "join_views", "link_views", "pledge_views"]
