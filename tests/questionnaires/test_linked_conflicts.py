"""Two browsers on one link: a stale change to a question linked to one another browser
changed (a ranking and what it ranks, a condition and its follow-up) is a conflict (HTTP)."""

from __future__ import annotations

import re

import pytest

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


LINKED_NOTE = {
    "en": "This answer goes with another one that was changed meanwhile.",
    "fr": "Cette réponse va de pair avec une autre, modifiée entre-temps.",
    "es": "Esta respuesta va unida a otra que se cambió mientras tanto.",
}


def conflict_boxes(page: str) -> str:
    """The conflict boxes of a page, without who saved the other answer (said once only)."""
    boxes = re.findall(r'<div class="conflict" id="conflict-.*?</fieldset>\s*</div>', page, re.S)
    saved_by = r'(-theirs"><strong>[^<]*</strong>) <span class="conflict-when">[^<]*</span>'
    return re.sub(saved_by, r"\1", "".join(boxes))


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_linked_conflict_saved_again_without_a_choice_is_asked_again_as_first_asked(
    app, respondent, language
):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    assert respondent.save("revision", {"q.new_themes": THEMES}, "save").status_code == 303
    first, second = Browser(app, token), Browser(app, token)
    second.client.get(f"/?lang={language}")
    first.open("revision")
    second.open("revision")
    ranking = {
        "q.new_themes_top3.rank1": "climate_justice",
        "q.new_themes_top3.rank2": "care",
        "q.new_themes_top3.rank3": "digital_rights",
    }
    assert first.save("revision", {"q.new_themes": THEMES, **ranking}).status_code == 303
    mine = {"q.new_themes": ["digital_rights", "care", "housing_financialisation"]}
    asked = second.save("revision", mine)
    assert asked.status_code == 409
    first_ask = asked.get_data(as_text=True)
    assert LINKED_NOTE[language] in first_ask
    # Saved again without a choice (the ranking shown now sent with it): asked again, the
    # same, explanation and linked answer included; nothing of the stale change written.
    second.remember(first_ask)
    again = second.save("revision", {**mine, **ranking})
    assert again.status_code == 409
    second_ask = again.get_data(as_text=True)
    assert LINKED_NOTE[language] in second_ask
    assert conflict_boxes(second_ask) == conflict_boxes(first_ask) != ""
    assert set(stored(app)["new_themes"]) == set(THEMES)
    # The ranking shown with it waits for the choice too: never renumbered meanwhile.
    ranked = {"climate_justice": "1", "care": "2", "digital_rights": "3"}
    assert stored(app)["new_themes_top3"] == ranked
    # And a third time, from the page asked again.
    second.remember(second_ask)
    third = second.save("revision", {**mine, **ranking})
    assert third.status_code == 409
    assert conflict_boxes(third.get_data(as_text=True)) == conflict_boxes(first_ask)
    assert stored(app)["new_themes_top3"] == ranked
    # Choosing "mine" writes the untick and the ranking sent with it.
    second.remember(third.get_data(as_text=True))
    chosen = second.save("revision", {**mine, **ranking, "resolve.new_themes": "mine"})
    assert chosen.status_code == 303
    assert "climate_justice" not in stored(app)["new_themes"]
    assert "climate_justice" not in stored(app)["new_themes_top3"]
