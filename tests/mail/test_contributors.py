"""Contributors who left an address with consent hear what became of their contribution."""

from __future__ import annotations

from sqlalchemy import select

from consult.contributions import operations, reactions
from consult.contributions.models import Contribution
from consult.db import db, writing
from consult.mail.sender import run
from tests.conftest import csrf_token, moderation_versions
from tests.mail.conftest import sign_in
from tests.mail.test_respondents import outbox


def make_contribution(app, *, email="author@ngo.example.org", language="fr", **extra) -> int:
    values = {
        "kind": "comment",
        "language": "fr",
        "organisation_type": "civil_society",
        "article": "art10",
        "text": "Le droit au logement doit couvrir la financiarisation.",
        "name": "Amina",
        "email": email,
        "consented": email is not None,
        "interface_language": language,
    }
    values.update(extra)
    with app.test_request_context(), writing():
        contribution, _token = operations.create_contribution(db.session, **values)
        db.commit()
        return contribution.id


def act(app, contribution_id: int, change) -> None:
    """Apply a change to a contribution the way a view does: in a request, one commit."""
    with app.test_request_context(), writing():
        contribution = db.session.get(Contribution, contribution_id)
        change(contribution)
        db.commit()


def test_published_rejected_replied_each_tell_the_contributor(make_app) -> None:
    app = make_app()
    published = make_contribution(app)
    rejected = make_contribution(app, language="es")
    assert outbox(app) == []  # sending a contribution is not a decision
    act(app, published, lambda c: operations.publish(db.session, c))
    act(
        app,
        rejected,
        lambda c: operations.reject(db.session, c, "off_topic", note="Merci de préciser."),
    )
    with app.test_request_context(), writing():
        from consult.staff.operations import create_user

        author = create_user(db.session, "moderator@cisdp.test", "moderator", "correct-horse-42x")
        contribution = db.session.get(Contribution, published)
        operations.set_official_response(
            db.session,
            contribution,
            text="Merci : nous en tiendrons compte.",
            language="fr",
            author=author,
        )
        db.commit()
    messages = outbox(app)
    assert [m.kind for m in messages] == [
        "contribution_published",
        "contribution_rejected",
        "contribution_replied",
    ]
    first, second, third = messages
    assert first.language == "fr" and first.subject == "Votre contribution est publiée"
    assert f"/contributions/{published}" in first.body_text
    assert second.language == "es"
    assert "No trata de la Carta" in second.body_text or "Carta" in second.body_text
    assert "Merci de préciser." in second.body_text and "Merci de préciser." in second.body_html
    assert "Merci : nous en tiendrons compte." in third.body_text
    assert {m.recipient_email for m in messages} == {"author@ngo.example.org"}


def test_hidden_after_reports_tells_the_contributor_once(make_app) -> None:
    app = make_app(REPORT_HIDE_THRESHOLD=3)
    contribution_id = make_contribution(app, language="en")
    act(app, contribution_id, lambda c: operations.publish(db.session, c))
    for n in range(4):
        act(
            app,
            contribution_id,
            lambda c, n=n: reactions.add_report(
                db.session,
                c,
                reason="spam",
                reporter_hash=f"browser-{n}",
                address_hash=f"address-{n}",
                hide_threshold=3,
            ),
        )
    kinds = [m.kind for m in outbox(app)]
    assert kinds == ["contribution_published", "contribution_hidden"]


def test_no_address_or_demo_data_hears_nothing(make_app) -> None:
    app = make_app()
    silent = [
        make_contribution(app, email=None, name=None),
        make_contribution(app, is_demo=True),
    ]
    for contribution_id in silent:
        act(app, contribution_id, lambda c: operations.publish(db.session, c))
    assert outbox(app) == []


def test_a_moderators_decision_in_the_workspace_arrives(make_app, smtp_server) -> None:
    app = make_app(**smtp_server.config())
    contribution_id = make_contribution(app, language="fr")
    client = app.test_client()
    sign_in(app, client, "moderator")
    token = csrf_token(client.get("/staff/moderation/").get_data(as_text=True))
    reply = client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": token,
            "one": f"{contribution_id}:reject",
            f"reason-{contribution_id}": "duplicate",
            f"note-{contribution_id}": "Voir la contribution n° 12.",
        },
    )
    assert reply.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Contribution.status)) == "rejected"
        run(app, loop=False)
    [message] = smtp_server.recorder.messages()
    assert message["Subject"] == "Votre contribution n'a pas été publiée"
    assert message["To"].addresses[0].display_name == "Amina"
    text = message.get_body(("plain",)).get_content()
    assert "Voir la contribution n° 12." in text
