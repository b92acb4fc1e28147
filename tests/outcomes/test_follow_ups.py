"""A follow-up question is asked to exactly the respondents who gave its parent answer: when the
public table of the parent hides that answer's count (to protect a smaller one beside it), the
follow-up's own figures would print it back, and the small one with it by subtraction. The
public summary withholds such follow-ups (suppression._follow_ups), in turn for follow-ups of
follow-ups, and says why on the page."""

from __future__ import annotations

import pytest

from consult.outcomes.summary import find_question
from consult.outcomes.suppression import public_summary
from tests.outcomes import frames

T = 5


def _published(knows: dict[str, int], uses_monitoring: int = 0) -> dict:
    """The public partners summary of respondents who did (not) know the Charter; those who
    did say how they use it (the follow-up section), some for monitoring (its follow-up)."""
    people = []
    for answer, count in knows.items():
        for i in range(count):
            given = {"knows_charter": {"": answer}}
            if answer == "yes":
                uses = {"monitoring": "1"} if i < uses_monitoring else {"advocacy": "1"}
                given["charter_uses"] = uses
                if i < uses_monitoring:
                    given["charter_monitoring_details"] = {"": "Local indicators."}
            people.append((1, given))
    responses, answers = frames.frames(people)
    return public_summary(frames.partners_summary(responses, answers), T)


def _printed_counts(question: dict) -> set[int]:
    """Every count a page prints about a question: asked, answered, each option's."""
    counts = {question.get(f) for f in ("asked", "answered")}
    counts |= {o.get("count") for o in question.get("options") or ()}
    return {c for c in counts if c is not None}


@pytest.mark.parametrize(
    ("knows", "withheld"),
    [
        # nothing hidden in the parent: its follow-ups are shown
        ({"yes": 12, "no": 8}, set()),
        # "no" (3) is small; "yes" (7) is hidden beside it, and the follow-ups were asked to 7
        ({"yes": 7, "no": 3}, {"charter_uses", "charter_monitoring_details"}),
        # "yes" itself is small: the follow-ups are small too, withheld as such
        ({"yes": 3, "no": 12}, {"charter_uses", "charter_monitoring_details"}),
    ],
)
def test_a_follow_up_never_prints_a_count_its_parent_hides(knows, withheld):
    shown = _published(knows, uses_monitoring=min(knows["yes"], 6))
    parent = find_question(shown, "partners", "knows_charter")
    hidden_parent = {o["key"] for o in parent["options"] if o.get("suppressed")}
    for key in ("charter_uses", "charter_monitoring_details"):
        follow_up = find_question(shown, "partners", key)
        assert bool(follow_up.get("suppressed")) is (key in withheld), key
        if "yes" in hidden_parent:
            # nothing printed about the follow-up can be the hidden "yes" count
            assert knows["yes"] not in _printed_counts(follow_up), key
    if knows["yes"] >= T and "yes" in hidden_parent:
        # withheld because of its parent, not because few answered: the page says which
        uses = find_question(shown, "partners", "charter_uses")
        assert uses["follows_hidden"] == "knows_charter"
        details = find_question(shown, "partners", "charter_monitoring_details")
        assert details["follows_hidden"] in ("knows_charter", "charter_uses")
