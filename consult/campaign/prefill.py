"""The link between the local-governments questionnaire and the join form.

A respondent who answered "Yes, we would like to join" finds on their receipt a link that opens
the join form filled with the institution's profile from their response (its resume token is
the key: only the respondent has it).

A pledge is linked to a response only on that proof (proven_response_id, the one place that
links): never on a receipt number, which is printed on the receipt page, its e-mail and PDF and
proves nothing. A form that carries a link which no longer proves anything (replaced since it
was opened, or never one) is never sent without it silently: ``response_link`` names the case
and the join form says so, keeping everything typed (join_views). And a linked pledge never
takes the way to join away from the response: the receipt keeps offering the form
(join_offer), whoever made the pledge.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app, url_for
from sqlalchemy import select

from consult.campaign.models import LEVELS, POPULATION_BANDS, Pledge
from consult.campaign.vocabulary import BAND_QUESTION, LEVEL_QUESTION, QUESTIONNAIRE_KEY
from consult.db import db
from consult.geography import REGION_KEYS, country_codes
from consult.questionnaires import operations as responses
from consult.questionnaires import retired
from consult.questionnaires.models import Response
from consult.questionnaires.registry import definition_of

#: The question and the answer that say the institution wants to join.
INTEREST_QUESTION = "campaign_interest"
WISH_TO_JOIN = "wish_to_join"


def response_for_token(token: str | None) -> Response | None:
    """Return the submitted local-governments response a resume token opens, or None."""
    if not token:
        return None
    response = responses.find_response(db.session, token)
    if response is None or not response.is_submitted:
        return None
    if response.questionnaire_key != QUESTIONNAIRE_KEY:
        return None
    return response


def proven_response_id(response_token: str | None) -> int | None:
    """Return the id of the response a pledge may be linked to: the one whose resume token the
    form carries (its holder's proof), or None. Nothing else links a pledge to a response."""
    return response_link(response_token).response_id


class ResponseLink(NamedTuple):
    """What the link to a response that a form carries is worth (see response_link)."""

    #: "none" (the form carries none), "live" (it proves the response), "replaced" (it did,
    #: and was replaced since: someone asked for it again) or "unknown" (never such a link).
    state: str
    #: The response it proves, when live.
    response_id: int | None = None

    @property
    def is_dead(self) -> bool:
        """Tell whether the form carried a link that links nothing (it must say so)."""
        return self.state in ("replaced", "unknown")

    @property
    def lost_link_url(self) -> str | None:
        """Where the respondent asks for the current link of the response (None if nowhere)."""
        if "mail.lost_link" not in current_app.view_functions:
            return None
        return url_for("mail.lost_link", key=QUESTIONNAIRE_KEY)


def response_link(response_token: str | None) -> ResponseLink:
    """Tell what the response link a form carries is worth, the one place that decides it."""
    if not (response_token or "").strip():
        return ResponseLink("none")
    response = response_for_token(response_token)
    if response is not None:
        return ResponseLink("live", response.id)
    if retired.replaced_response(response_token) is not None:
        return ResponseLink("replaced")
    return ResponseLink("unknown")


def profile_of(response: Response) -> dict[str, str]:
    """Return the institution's profile from a response: name, country, region, level, band."""
    questionnaire = definition_of(response)
    answers = responses.answers_of(db.session, response, questionnaire)

    def value(key: str) -> str:
        return (answers.get(key) or {}).get("", "")

    profile = {
        "institution_name": value("institution_name")[:200],
        "country": value("country"),
        "region": value("region"),
        "level": value(LEVEL_QUESTION),
        "population_band": value(BAND_QUESTION),
        "interest": value(INTEREST_QUESTION),
    }
    # Only values the join form offers (a later version of the questionnaire may differ).
    allowed = {
        "country": country_codes(),
        "region": REGION_KEYS,
        "level": LEVELS,
        "population_band": POPULATION_BANDS,
    }
    for key, values in allowed.items():
        if profile[key] not in values:
            profile[key] = ""
    return profile


def fill_from_response(form, response: Response) -> None:
    """Fill the join form's institution fields from a response's profile."""
    profile = profile_of(response)
    for key in ("institution_name", "country", "region", "level", "population_band"):
        if profile[key]:
            getattr(form, key).data = profile[key]


def join_offer(response: Response, token: str | None) -> dict | None:
    """What the receipt page says about joining: None, or the link and whether a pledge exists.

    Offered to a submitted local-governments response that said it wishes to join, whether or
    not a pledge is linked to it: the page says a pledge exists, and still offers the form (a
    pledge its respondent did not make, or whose link is lost, must not stop them joining).
    """
    if token is None or response.questionnaire_key != QUESTIONNAIRE_KEY:
        return None
    if not response.is_submitted:
        return None
    if profile_of(response)["interest"] != WISH_TO_JOIN:
        return None
    pledged = db.session.scalar(select(Pledge.id).where(Pledge.response_id == response.id).limit(1))
    return {"pledged": pledged is not None, "token": token}
