"""Two browsers on one link: a stale change to a question linked to one another browser
changed (a ranking and what it ranks, a condition and its follow-up) is a conflict (HTTP)."""

from __future__ import annotations

from tests.conftest import answers_in_store
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_shared_link import Browser

THEMES = ["climate_justice", "digital_rights", "care"]


def stored(app) -> dict:
    (answers,) = answers_in_store(app).values()
    return answers


def test_unticking_a_ranked_theme_from_a_stale_page_is_a_conflict(app, respondent):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    assert respondent.save("revision", {"q.new_themes": THEMES}, "save").status_code == 303
    first, second = Browser(app, token), Browser(app, token)
    first.open("revision")
    second.open("revision")
    ranking = {
        "q.new_themes_top3.rank1": "climate_justice",
        "q.new_themes_top3.rank2": "care",
        "q.new_themes_top3.rank3": "digital_rights",
    }
    assert first.save("revision", {"q.new_themes": THEMES, **ranking}).status_code == 303
    # The second browser still shows no ranking: it unticks climate and ticks housing.
    reply = second.save(
        "revision", {"q.new_themes": ["digital_rights", "care", "housing_financialisation"]}
    )
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "This answer goes with another one that was changed meanwhile" in page
    assert "Which of them should come first?" in page
    answers = stored(app)
    assert set(answers["new_themes"]) == set(THEMES)  # nothing of the stale change written
    assert answers["new_themes_top3"] == {
        "climate_justice": "1",
        "care": "2",
        "digital_rights": "3",
    }

    # Choosing "mine" once both are seen writes it (the ranking then loses climate).
    second.remember(page)
    chosen = second.save(
        "revision",
        {
            "q.new_themes": ["digital_rights", "care", "housing_financialisation"],
            **ranking,
            "resolve.new_themes": "mine",
        },
    )
    assert chosen.status_code == 303
    assert "climate_justice" not in stored(app)["new_themes"]


def test_a_stale_change_of_a_trigger_does_not_hide_a_follow_up_silently(app, respondent):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    ticked = {"q.hr_elements": ["local_charter"]}
    assert respondent.save("commitments", ticked, "save").status_code == 303
    first, second = Browser(app, token), Browser(app, token)
    first.open("commitments")
    second.open("commitments")
    typed = {**ticked, "q.local_charter_name": "Carta de la Ciudad"}
    assert first.save("commitments", typed).status_code == 303
    # The second browser still shows the name empty; it unticks the local charter, which
    # would set the name just typed aside.
    reply = second.save("commitments", {"q.hr_elements": ["ombudsperson"]}, "save")
    assert reply.status_code == 409
    assert "Carta de la Ciudad" in reply.get_data(as_text=True)
    assert stored(app)["local_charter_name"] == {"": "Carta de la Ciudad"}
    assert stored(app)["hr_elements"] == {"local_charter": "1"}
