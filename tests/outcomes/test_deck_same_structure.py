"""One snapshot, one deck structure in every language: the HTML deck, its PPTX and the speaker
notes carry the same slides in the same order in English, French and Spanish (30 demo
responses: the Spanish key findings once took one more slide than the English and French)."""

from __future__ import annotations

import io

from pptx import Presentation

from consult.outcomes import deck_pptx
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze

LANGUAGES = ("en", "fr", "es")


def test_every_language_has_the_same_slides_in_every_format(app, login):
    fill_demo(app, 30)
    client = login(app.test_client(), "analyst")
    assert freeze(client).status_code == 302
    keys, pptx_counts, noted = {}, {}, {}
    for language in LANGUAGES:
        html = client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
        keys[language] = [slide.key for slide in deck_pptx.read_slides(html)]
        body = client.get(f"/staff/outcomes/1/deck.pptx?lang={language}").get_data()
        slides = Presentation(io.BytesIO(body)).slides
        pptx_counts[language] = len(slides)
        noted[language] = [bool(s.notes_slide.notes_text_frame.text) for s in slides]
    assert keys["en"] == keys["fr"] == keys["es"], keys
    assert pptx_counts["en"] == pptx_counts["fr"] == pptx_counts["es"] == len(keys["en"])
    assert noted["en"] == noted["fr"] == noted["es"]
    assert all(noted["en"]), "every slide has notes in every language"
