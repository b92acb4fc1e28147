"""Near-duplicate detection: normalisation, shingles, MinHash bands, twins in the queue."""

from __future__ import annotations

from sqlalchemy import select

from consult.contributions import duplicates
from consult.contributions.models import NearDuplicate
from consult.db import db
from tests.contributions.conftest import moderation_csrf

CAMPAIGN = (
    "We call on the Charter to recognise the right to clean air for every inhabitant, with "
    "binding targets for cities and a duty to publish pollution data every month."
)
CAMPAIGN_VARIANT = (
    "We call on the charter to recognise the RIGHT to clean air for every inhabitant, with "
    "binding targets for cities, and a duty to publish pollution data every single month!"
)
UNRELATED = (
    "Article X should address the financialisation of housing and protect tenants against "
    "evictions without an alternative home."
)


def test_normalise_folds_case_accents_and_punctuation():
    assert duplicates.normalise("  Égalité,  ÉGALITÉ!! ") == "egalite egalite"


def test_similar_texts_score_high_and_different_ones_low():
    assert duplicates.similarity(CAMPAIGN, CAMPAIGN_VARIANT) >= 0.8
    assert duplicates.similarity(CAMPAIGN, UNRELATED) < 0.2
    assert duplicates.similarity(CAMPAIGN, CAMPAIGN) == 1.0


def test_near_twins_share_band_keys_and_unrelated_texts_do_not():
    twin_keys = set(duplicates.band_keys(CAMPAIGN)) & set(duplicates.band_keys(CAMPAIGN_VARIANT))
    other_keys = set(duplicates.band_keys(CAMPAIGN)) & set(duplicates.band_keys(UNRELATED))
    assert twin_keys and not other_keys


def test_signatures_are_stable_between_runs():
    # Stored band keys must match those computed later (no per-process hash seed).
    assert duplicates.band_keys("Right to the city") == duplicates.band_keys("Right to the city")
    assert duplicates.band_keys("Right to the city")[0].startswith("00:")


def test_a_near_copy_is_linked_to_its_earlier_twin(app, contribute):
    first, _ = contribute(CAMPAIGN, publish=True)
    second, _ = contribute(CAMPAIGN_VARIANT)
    third, _ = contribute(UNRELATED)
    with app.app_context():
        links = db.session.scalars(select(NearDuplicate)).all()
        assert [(link.contribution_id, link.twin_id) for link in links] == [(second, first)]
        assert links[0].similarity >= 0.8
    assert third not in {first, second}


def test_the_queue_flags_twins_with_links(app, client, login, contribute):
    first, _ = contribute(CAMPAIGN)
    second, _ = contribute(CAMPAIGN_VARIANT)
    contribute(UNRELATED)
    login(client, "moderator")
    page = client.get("/staff/moderation/").get_data(as_text=True)
    assert page.count("Near duplicate of:") == 2
    assert f'href="/staff/moderation/{first}"' in page
    assert f'href="/staff/moderation/{second}"' in page
    assert moderation_csrf(client)


def test_the_threshold_is_configurable(make_app):
    from consult.contributions import operations
    from consult.db import writing

    strict = make_app(NEAR_DUPLICATE_THRESHOLD=0.99)
    with strict.app_context(), writing():
        for text in (CAMPAIGN, CAMPAIGN_VARIANT):
            operations.create_contribution(
                db.session,
                text=text,
                kind="comment",
                language="en",
                organisation_type="other",
                near_duplicate_threshold=strict.config["NEAR_DUPLICATE_THRESHOLD"],
            )
        db.commit()
        assert db.session.scalars(select(NearDuplicate)).all() == []
