"""The responding pages, one module per step, on the blueprint of consult.questionnaires.blueprint.

Importing this module registers every route: the introduction and Start (start_views), the
personal link (link_views), one page per section with its autosave (page_views), and review,
submit and receipt (review_views). A respondent needs no account: the resume token in the link
opens the draft from any browser.
"""

from __future__ import annotations

from consult.questionnaires import link_views, page_views, review_views, start_views
from consult.questionnaires.blueprint import bp

__all__ = ["bp", "link_views", "page_views", "review_views", "start_views"]
