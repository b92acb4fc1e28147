"""Contributing without an account: the form, bot defences, limits, the status page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.contributions.models import Contribution, ContributorDetails, ModerationAction
from consult.db import db
from tests.conftest import csrf_token
from tests.contributions.conftest import Contributor


def _count(app, model=Contribution) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _only(app) -> Contribution:
    with app.app_context():
        contribution = db.session.scalars(select(Contribution)).one()
        db.session.expunge(contribution)
        return contribution


def test_landing_and_navigation_link_the_charter_and_contributions(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/contributions"' in page and 'href="/charter"' in page


def test_a_contribution_is_stored_verbatim_and_awaits_moderation(app, contributor):
    text = "  Line one\r\n\r\n<b>bold?</b> & https://example.org  "
    path, token = contributor.send_ok(text, article="art10", part="action_plan", country="SN")
    stored = _only(app)
    # Verbatim, even the spaces; a line break is one LF, as the browser counted it.
    assert stored.text == text.replace("\r\n", "\n")
    assert (stored.status, stored.article, stored.part) == ("pending", "art10", "action_plan")
    assert stored.region == "africa"  # defaulted from the country
    assert path == f"/contributions/status/{token}"


def test_the_status_page_says_it_awaits_moderation_with_a_private_link(contributor, client):
    path, token = contributor.send_ok()
    page = client.get(path + "?sent=1", follow_redirects=True).get_data(as_text=True)
    assert "awaits moderation" in page
    assert f"/contributions/status/{token}" in page
    assert client.get("/contributions/status/not-a-real-token").status_code == 404


def test_unicode_round_trips(app, contributor, client):
    text = "Derecho a la vivienda — 住房权 — حق السكن — Право на жильё 🏠\n\nÇa va ?"
    path, _token = contributor.send_ok(text, organisation_name="Asociación Ñandú", language="other")
    assert _only(app).text == text
    assert _only(app).organisation_name == "Asociación Ñandú"
    page = client.get(path).get_data(as_text=True)
    assert "住房权 — حق السكن — Право на жильё 🏠" in page


def test_the_region_chosen_by_the_contributor_wins(app, contributor):
    contributor.send_ok(country="TR", region="europe")
    assert _only(app).region == "europe"


def test_the_form_is_prefilled_from_the_article_page(contributor):
    _csrf, _started, page = contributor.form("?article=art07&part=duties")
    assert '<option value="art07" selected>' in page
    assert '<option value="duties" selected>' in page


def test_honeypot_keeps_nothing(app, contributor):
    reply = contributor.send(website="http://spam.example")
    assert reply.status_code == 400
    assert _count(app) == 0


def test_a_form_sent_too_fast_is_shown_again(make_app):
    app = make_app(CONTRIBUTION_MIN_FILL_SECONDS=3600)
    contributor = Contributor(app.test_client())
    reply = contributor.send("I typed this very quickly.")
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "That was very quick" in page
    assert "I typed this very quickly." in page  # nothing the person typed is lost
    assert _count(app) == 0


def test_a_forged_start_time_is_refused(app, contributor):
    reply = contributor.send(started="forged")
    assert reply.status_code == 422
    assert _count(app) == 0


def test_an_over_long_text_gets_a_clear_message(app, contributor):
    limit = app.config["CONTRIBUTION_MAX_LENGTH"]
    reply = contributor.send("x" * (limit + 12))
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert f"{limit + 12} characters long; the limit is {limit}" in page
    assert "shorten it by 12 characters" in page
    assert _count(app) == 0


def test_an_over_large_request_is_refused_with_a_message(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2000, CONTRIBUTION_MIN_FILL_SECONDS=0)
    reply = Contributor(app.test_client()).send("y" * 5000)
    assert reply.status_code == 413
    assert "too large" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": ""}, "Choose the kind of contribution."),
        ({"organisation_type": ""}, "Say on whose behalf you contribute."),
        ({"text": "   "}, "Please write your contribution."),
        ({"article": "", "part": "rights"}, "Choose the article first"),
        ({"article": "art99"}, "Choose one of the options offered."),
        ({"email": "not-an-address", "consent": "y"}, "Enter an e-mail address"),
    ],
)
def test_invalid_input_is_explained(app, contributor, fields, message):
    reply = contributor.send(**fields)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    assert _count(app) == 0


def test_personal_data_needs_consent(app, contributor):
    reply = contributor.send(name="Ana Pérez", email="ana@example.org")
    assert reply.status_code == 422
    assert "To leave your name or e-mail, tick this box" in reply.get_data(as_text=True)
    assert _count(app) == 0


def test_personal_data_is_kept_apart_and_the_name_shown_only_by_choice(app, contributor, client):
    contributor.send_ok(name="Ana Pérez", email="ana@example.org", consent="y")
    with app.app_context():
        details = db.session.scalars(select(ContributorDetails)).one()
        assert (details.name, details.email, details.is_name_public) == (
            "Ana Pérez",
            "ana@example.org",
            False,
        )
        assert details.consented_at is not None


def test_showing_the_name_needs_a_name(app, contributor):
    reply = contributor.send(show_name="y")
    assert reply.status_code == 422
    assert "Write your name above" in reply.get_data(as_text=True)


def test_the_contributor_can_withdraw(app, contributor, client):
    path, _token = contributor.send_ok(
        name="Awa Rio", email="awa@grigny.example", consent="y", show_name="y"
    )
    with app.app_context():
        assert db.session.scalar(select(ContributorDetails.email)) == "awa@grigny.example"
    page = client.get(path).get_data(as_text=True)
    reply = client.post(path + "/withdraw", data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "Your contribution is withdrawn" in page
    assert "name and e-mail address you gave with it are deleted" in page
    # What the contributor gave about themselves goes with the withdrawal.
    with app.app_context():
        assert db.session.scalars(select(ContributorDetails)).all() == []
    assert "Withdraw my contribution" not in page
    assert _only(app).status == "withdrawn"
    with app.app_context():
        actions = db.session.scalars(select(ModerationAction.action)).all()
    assert actions == ["submit", "withdraw"]


def test_without_premoderation_a_contribution_is_published_at_once(make_app):
    app = make_app(CONTRIBUTIONS_PREMODERATION=False, CONTRIBUTION_MIN_FILL_SECONDS=0)
    client = app.test_client()
    Contributor(client).send_ok("Published straight away.")
    assert "Published straight away." in client.get("/contributions").get_data(as_text=True)


def test_the_send_rate_limit_counts_accepted_contributions(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_RATE_LIMIT="2 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
    )
    contributor = Contributor(app.test_client())
    assert contributor.send(kind="").status_code == 422  # a mistake does not count
    contributor.send_ok("First.")
    contributor.send_ok("Second.")
    refused = contributor.send("Third.")
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    assert _count(app) == 2


def test_the_post_rate_limit_covers_every_post(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_POST_RATE_LIMIT="3 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
    )
    contributor = Contributor(app.test_client())
    codes = [contributor.send(kind="").status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert contributor.client.get("/contributions/new").status_code == 200  # reading is free
