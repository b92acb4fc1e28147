"""An answer refused on a question that this very page makes apply is said, never dropped.

Choosing "Other" and typing what it is in one go, without JavaScript: when the text does not
fit (or a number is written in words), the page comes back with the message next to it and the
text in its field. The page's reading used to ask whether the question held an answer rather
than whether its condition holds, and a refused value holds none: it was dropped unseen.
"""

from __future__ import annotations

import pytest

from tests.conftest import Respondent, answers_in_store


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("A federation of tenants' unions", 303),  # fits: saved with its trigger
        ("x" * 150, 303),  # at the limit
        ("x" * 151, 422),  # one over: said, kept
        ("x" * 5000, 422),
    ],
)
def test_a_text_typed_with_the_answer_that_asks_for_it(app, typed, status):
    respondent = Respondent(app.test_client(), "partners")
    respondent.start()
    reply = respondent.save(
        "profile",
        {"q.organisation_type": "other", "q.organisation_type_other": typed},
        action="save",
    )
    assert reply.status_code == status
    (answers,) = answers_in_store(app).values()
    if status == 303:
        assert answers["organisation_type_other"] == {"": typed}
    else:
        body = reply.get_data(as_text=True)
        assert typed in body and "the limit is 150" in body
        assert "organisation_type_other" not in answers


def test_a_question_the_page_makes_inapplicable_never_blocks(app):
    """The other way round holds as before: a refused value of a question this page hides."""
    respondent = Respondent(app.test_client(), "partners")
    respondent.start()
    reply = respondent.save(
        "profile",
        {"q.organisation_type": "academia", "q.organisation_type_other": "x" * 5000},
        action="save",
    )
    assert reply.status_code == 303
