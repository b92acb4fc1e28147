"""Joining: the form's guarantees (nothing typed lost, one pledge per form, every value
checked next to its field) and the letter of commitment checked by content."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.campaign import operations
from consult.campaign.models import SUBMITTED, CommitmentLetter, Pledge
from consult.db import db
from consult.mail.models import OutboxMessage
from tests.campaign.conftest import FIELDS, GOOD_LETTER, letter
from tests.conftest import csrf_token


def _pledges(app) -> list:
    """The pledges as plain rows (id, status, region, normalised name, submitted at)."""
    with app.app_context():
        return db.session.execute(
            select(
                Pledge.id, Pledge.status, Pledge.region, Pledge.normalised_name, Pledge.submitted_at
            ).order_by(Pledge.id)
        ).all()


def test_a_complete_pledge_is_submitted_with_its_letter_and_link_mailed(app, institution):
    token = institution.join()
    [pledge] = _pledges(app)
    assert pledge.status == SUBMITTED
    assert pledge.region == "europe"  # from the country
    assert pledge.normalised_name == "grigny"
    with app.app_context():
        pledge = db.session.get(Pledge, pledge.id)
        assert [c.option.key for c in pledge.commitments] == ["local_charter", "biennial_report"]
        assert pledge.letter.page_count == 1
        mail = db.session.scalars(select(OutboxMessage)).one()
        assert mail.recipient_email == "droits@grigny.example.org"
        assert token in mail.body_text and mail.language == "en"
    page = institution.client.get(f"/campaign/pledge/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Ville de Grigny" in page.get_data(as_text=True)


BAD_LETTERS = [
    ("renamed_zip", b"PK\x03\x04" + b"\x00" * 200, "letter.pdf", "not a PDF"),
    ("html_named_pdf", b"<html><script>alert(1)</script></html>", "letter.pdf", "not a PDF"),
    ("corrupt_pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "letter.pdf", "damaged"),
    ("truncated_pdf", GOOD_LETTER[:180], "letter.pdf", "damaged"),
    ("empty", b"", "letter.pdf", "empty"),
]


def test_a_refused_letter_keeps_every_other_field(app, institution):
    """A renamed non-PDF, HTML named .pdf, a corrupt or truncated PDF, an empty file."""
    for _case, content, name, says in BAD_LETTERS:
        reply = institution.send(upload=letter(content, name))
        assert reply.status_code == 422
        page = reply.get_data(as_text=True)
        error = page.split('id="letter-error">', 1)[1].split("</p>", 1)[0]
        assert says in error, (_case, error)
        assert 'href="#letter"' in page  # in the summary too
        for value in FIELDS.values():
            if isinstance(value, str) and value not in ("", "y"):
                assert value in page, value
        assert 'value="local_charter" checked' in page
    assert _pledges(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommitmentLetter)) == 0


def test_an_oversized_letter_is_refused_by_its_size(make_app):
    app = make_app(CAMPAIGN_LETTER_MAX_BYTES=2000)
    from tests.campaign.conftest import Institution

    institution = Institution(app.test_client())
    big = GOOD_LETTER + b"%" + b"x" * 3000 + b"\n"
    reply = institution.send(upload=letter(big))
    assert reply.status_code == 422
    assert "larger than" in reply.get_data(as_text=True)
    assert 'data-max-bytes="2000"' in reply.get_data(as_text=True)
    assert _pledges(app) == []


def test_a_letter_accepted_with_a_refused_field_is_kept_for_the_next_post(app, institution):
    form = institution.open()[:2]
    reply = institution.send(form, upload=letter(), contact_email="not-an-address")
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "Letter received: lettre.pdf" in page
    assert "Enter an e-mail address such as name@example.org." in page
    # Sent again without choosing the file again: the letter waited.
    csrf = __import__("tests.conftest", fromlist=["csrf_token"]).csrf_token(page)
    again = institution.send((csrf, form[1]), contact_email="droits@grigny.example.org")
    assert again.status_code == 303
    [pledge] = _pledges(app)
    with app.app_context():
        stored = db.session.scalars(select(CommitmentLetter)).one()
        assert stored.pledge_id == pledge.id and stored.holding_hash is None


def test_a_refused_letter_after_an_accepted_one_keeps_the_accepted_one(app, institution):
    form = institution.open()[:2]
    first = institution.send(form, upload=letter(), signatory_name="")
    assert first.status_code == 422
    from tests.conftest import csrf_token

    second = institution.send(
        (csrf_token(first.get_data(as_text=True)), form[1]), upload=letter(b"GIF89a", "x.pdf")
    )
    assert second.status_code == 422
    page = second.get_data(as_text=True)
    assert "not a PDF" in page and "Letter received: lettre.pdf" in page
    third = institution.send((csrf_token(page), form[1]))
    assert third.status_code == 303
    assert len(_pledges(app)) == 1


def test_sending_the_same_form_twice_makes_one_pledge(app, institution):
    form = institution.open()[:2]
    first = institution.send(form, upload=letter())
    second = institution.send(form, upload=letter())
    assert first.status_code == second.status_code == 303
    assert first.location.split("?")[0] == second.location.split("?")[0]
    assert len(_pledges(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


REFUSED_VALUES = [
    ("institution_name", "", "Write the name of your institution."),
    ("institution_name", "x" * 201, "at most 200"),
    ("level", "", "Choose the type of your institution."),
    ("level", "galaxy", "Choose one of the types offered."),
    ("country", "", "Choose the country of your institution."),
    ("country", "XX", "Choose one of the countries offered."),
    ("region", "atlantis", "Choose one of the regions offered."),
    ("population_band", "huge", "Choose one of the population bands offered."),
    ("commitments", ["fly_to_mars"], "Choose among the commitments offered."),
    ("own_commitment", "y" * 2001, "at most 2000"),
    ("signatory_name", "   ", "Write the name of the person who signs the letter."),
    ("signatory_office", "", "Write the office of the person who signs"),
    ("contact_name", "", "Write the name of a person we can contact."),
    ("contact_email", "grigny.example.org", "Enter an e-mail address"),
    ("contact_phone", "call me", "Enter a telephone number"),
    ("authorised", "", "Tick this box"),
]


def test_every_value_is_checked_with_a_message_next_to_its_field(app, institution):
    """Two posts, each refusing several values at once: each message is next to its field and
    in the summary; nothing is made."""
    first = [case for i, case in enumerate(REFUSED_VALUES) if i % 2 == 0]
    second = [case for i, case in enumerate(REFUSED_VALUES) if i % 2 == 1]
    for cases in (first, second):
        reply = institution.send(upload=letter(), **{field: value for field, value, _s in cases})
        assert reply.status_code == 422
        page = reply.get_data(as_text=True)
        assert "error-summary" in page
        for field, _value, says in cases:
            assert f'id="{field}-error"' in page, field
            error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
            assert says in error, (field, error)
    assert _pledges(app) == []


def test_no_commitment_at_all_is_refused_but_own_words_alone_suffice(app, institution):
    reply = institution.send(upload=letter(), commitments=[], own_commitment="")
    assert "Choose at least one commitment" in reply.get_data(as_text=True)
    assert institution.join(commitments=[], own_commitment="Our own words.")


def test_a_draft_needs_no_letter_and_a_submission_does(app, institution):
    refused = institution.send()
    assert refused.status_code == 422
    assert "Attach the signed letter" in refused.get_data(as_text=True)
    draft = institution.send(action="draft")
    assert draft.status_code == 303
    [pledge] = _pledges(app)
    assert pledge.status == "draft" and pledge.submitted_at is None


def test_a_forged_pledge_token_gives_a_fresh_form(app, institution):
    csrf = institution.open()[0]
    reply = institution.send((csrf, "../../etc/passwd"), upload=letter())
    assert reply.status_code == 400
    assert _pledges(app) == []


def test_unknown_pledge_links_are_404(client):
    for path in (
        "/campaign/pledge/" + "A" * 32,
        "/campaign/pledge/short",
        "/campaign/pledge/x/letter",
    ):
        assert client.get(path).status_code == 404


def test_the_letter_is_served_as_a_pdf_attachment_only_to_its_link(app, institution):
    token = institution.join()
    reply = institution.client.get(f"/campaign/pledge/{token}/letter")
    assert reply.status_code == 200
    assert reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"].startswith("attachment")
    assert "lettre" not in reply.headers["Content-Disposition"]  # our name, not theirs
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in reply.headers["Content-Security-Policy"]
    assert reply.data == GOOD_LETTER
    assert institution.client.get(f"/campaign/pledge/{'B' * 32}/letter").status_code == 404


def test_the_join_form_is_never_cached_and_says_so_in_three_languages(client):
    for language, words in (
        ("en", "Join the campaign"),
        ("fr", "Rejoindre la campagne"),
        ("es", "Sumarse a la campaña"),
    ):
        reply = client.get(f"/campaign/join?lang={language}")
        assert reply.headers["Cache-Control"] == "no-store"
        assert words in reply.get_data(as_text=True)


def test_field_order_matches_the_form():
    from consult.campaign.forms import PledgeForm
    from consult.campaign.pledge_form import FIELD_ORDER

    assert set(FIELD_ORDER) <= set(PledgeForm.__dict__) | {name for name in dir(PledgeForm)}
    assert FIELDS.keys() <= set(FIELD_ORDER)


def test_an_expired_form_is_shown_again_with_everything_typed(app, institution):
    token = institution.open()[1]
    # A forged cross-site post (no Sec-Fetch-Site from this test client): nothing comes back.
    forged = institution.send(("expired-csrf-token", token), upload=letter())
    assert forged.status_code == 400 and "Ville de Grigny" not in forged.get_data(as_text=True)
    # The browser says the post comes from the site's own page: everything comes back.
    institution.client.environ_base["HTTP_SEC_FETCH_SITE"] = "same-origin"
    reply = institution.send(("expired-csrf-token", token), upload=letter())
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "open too long" in page
    assert 'value="Ville de Grigny"' in page and 'value="droits@grigny.example.org"' in page
    assert f'value="{token}"' in page  # the same pledge token: sending it again makes one
    assert _pledges(app) == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_switching_language_keeps_every_value_and_sends_nothing(app, institution, language):
    """Without JavaScript the language buttons are buttons of the join form: the form comes
    back in that language with what was typed (and the letter chosen), and no pledge is made."""
    reply = institution.send(upload=letter(), goto=f"lang:{language}")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert f'<html lang="{language}"' in page
    assert 'value="Ville de Grigny"' in page and "droits@grigny.example.org" in page
    with app.app_context():
        assert operations.find_pledge(db.session, institution.token) is None
    # The letter chosen before switching is kept: the next send needs no new upload.
    again = institution.send((csrf_token(page), institution.token))
    assert again.status_code == 303
