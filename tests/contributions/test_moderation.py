"""Moderation: roles on every route, decisions recorded, reports, supports, replies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.contributions.models import Contribution, ContributionReply, ModerationAction
from consult.db import db
from tests.conftest import csrf_token, form_versions, moderation_versions
from tests.contributions.conftest import moderation_csrf

GET_ROUTES = ["/staff/moderation/", "/staff/moderation/?show=hidden", "/staff/moderation/log"]


def _post_routes(contribution_id: int) -> list[tuple[str, dict]]:
    return [
        ("/staff/moderation/act", {"one": f"{contribution_id}:approve"}),
        ("/staff/moderation/replies/act", {"one": "1:approve"}),
        (f"/staff/moderation/{contribution_id}/response", {"text": "x", "language": "en"}),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, contribute):
    contribution_id, _ = contribute()
    for path in [*GET_ROUTES, f"/staff/moderation/{contribution_id}"]:
        reply = client.get(path)
        assert reply.status_code == 302 and "/staff/login" in reply.location, path
    client.get("/contributions")  # a session with a CSRF token, as a browser would have
    for path, data in _post_routes(contribution_id):
        reply = client.post(path, data=data)
        assert reply.status_code in (302, 400), path  # sign in first, or no valid form


def test_analysts_are_refused_everywhere(app, client, login, contribute):
    contribution_id, _ = contribute()
    login(client, "analyst")
    for path in [*GET_ROUTES, f"/staff/moderation/{contribution_id}"]:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    for path, data in _post_routes(contribution_id):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    with app.app_context():
        assert db.session.get(Contribution, contribution_id).status == "pending"


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_are_allowed(client, login, contribute, role):
    contribution_id, _ = contribute()
    login(client, role)
    for path in [*GET_ROUTES, f"/staff/moderation/{contribution_id}"]:
        assert client.get(path).status_code == 200, path
    assert "/staff/moderation/" in client.get("/staff/").get_data(as_text=True)


def test_approve_reject_hide_restore_are_recorded(app, client, login, contribute):
    first, _ = contribute("First")
    second, token = contribute("Second")
    login(client, "moderator")
    token_csrf = moderation_csrf(client)
    client.post(
        "/staff/moderation/act",
        data={**moderation_versions(client), "csrf_token": token_csrf, "one": f"{first}:approve"},
    )
    reply = client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": token_csrf,
            "one": f"{second}:reject",
            f"reason-{second}": "off_topic",
            f"note-{second}": "Please write about the Charter's articles.",
        },
    )
    assert reply.status_code == 303
    client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": token_csrf,
            "one": f"{first}:hide",
            "confirm_removal": "yes",  # a published contribution leaves the public site
            f"reason-{first}": "spam",
        },
    )
    client.post(
        "/staff/moderation/act",
        data={**moderation_versions(client), "csrf_token": token_csrf, "one": f"{first}:restore"},
    )
    with app.app_context():
        assert db.session.get(Contribution, first).status == "published"
        assert db.session.get(Contribution, second).status == "rejected"
        log = db.session.execute(
            select(
                ModerationAction.contribution_id, ModerationAction.action, ModerationAction.reason
            )
            .where(ModerationAction.moderator_id.is_not(None))
            .order_by(ModerationAction.id)
        ).all()
    assert [tuple(row) for row in log] == [
        (first, "approve", None),
        (second, "reject", "off_topic"),
        (first, "hide", "spam"),
        (first, "restore", None),
    ]
    status = client.get(f"/contributions/status/{token}").get_data(as_text=True)
    assert "Not about the Charter or its revision" in status
    assert "Please write about the Charter&#39;s articles." in status
    log_page = client.get("/staff/moderation/log").get_data(as_text=True)
    assert log_page.count("moderator-") >= 4  # who acted, on every line


def test_reject_and_hide_need_a_reason(app, client, login, contribute):
    contribution_id, _ = contribute()
    login(client, "moderator")
    reply = client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": moderation_csrf(client),
            "one": f"{contribution_id}:reject",
            f"note-{contribution_id}": "Kept note to the contributor",
        },
    )
    # The page again (not a redirect), the note still in its field.
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "Choose a reason" in page
    assert (
        f'name="note-{contribution_id}" maxlength="1000" value="Kept note to the contributor"'
        in page
    )
    with app.app_context():
        assert db.session.get(Contribution, contribution_id).status == "pending"


def test_bulk_actions_apply_to_the_ticked_items_only(app, client, login, contribute):
    ids = [contribute(f"Bulk {n}")[0] for n in range(4)]
    login(client, "moderator")
    reply = client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": moderation_csrf(client),
            "ids": ids[:3],
            "action": "approve",
        },
    )
    assert "Approved: 3 contributions." in client.get(reply.location).get_data(as_text=True)
    with app.app_context():
        statuses = [db.session.get(Contribution, i).status for i in ids]
    assert statuses == ["published", "published", "published", "pending"]


def _report(client, contribution_id: int, address: str) -> int:
    page = client.get(f"/contributions/{contribution_id}", environ_base={"REMOTE_ADDR": address})
    return client.post(
        f"/contributions/{contribution_id}/report",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "reason": "offensive"},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


@pytest.mark.parametrize("threshold", [2, 3])
def test_enough_distinct_reports_hide_until_a_moderator_decides(make_app, threshold):
    app = make_app(REPORT_HIDE_THRESHOLD=threshold)
    from consult.contributions import operations
    from consult.db import writing

    with app.app_context(), writing():
        contribution, _ = operations.create_contribution(
            db.session, kind="comment", text="Reported", language="en", organisation_type="other"
        )
        operations.publish(db.session, contribution)
        db.commit()
        contribution_id = contribution.id
    repeat = app.test_client()
    for _ in range(threshold + 2):  # one browser reporting again and again counts once
        _report(repeat, contribution_id, "10.0.0.1")
    same_address = app.test_client()  # a new browser id from the same address counts once too
    _report(same_address, contribution_id, "10.0.0.1")
    assert app.test_client().get(f"/contributions/{contribution_id}").status_code == 200
    for number in range(2, threshold + 1):
        assert _report(app.test_client(), contribution_id, f"10.0.0.{number}") == 303
    assert app.test_client().get(f"/contributions/{contribution_id}").status_code == 404
    with app.app_context():
        hidden = db.session.get(Contribution, contribution_id)
        assert (hidden.status, hidden.is_hidden_by_reports) == ("hidden", True)

    moderator = app.test_client()
    from tests.conftest import STAFF_PASSWORD

    with app.app_context(), writing():
        from consult.staff.operations import create_user

        create_user(db.session, "mod@cisdp.test", "moderator", STAFF_PASSWORD, one_time=False)
        db.commit()
    page = moderator.get("/staff/login").get_data(as_text=True)
    moderator.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": "mod@cisdp.test",
            "password": STAFF_PASSWORD,
        },
    )
    queue = moderator.get("/staff/moderation/").get_data(as_text=True)
    assert "Reported by readers (1)" in queue and "hidden automatically" in queue
    moderator.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(moderator),
            "csrf_token": csrf_token(queue),
            "one": f"{contribution_id}:restore",
        },
    )
    assert app.test_client().get(f"/contributions/{contribution_id}").status_code == 200
    assert "Reported by readers (0)" in moderator.get("/staff/moderation/").get_data(as_text=True)


def _support(client, contribution_id: int, address: str = "127.0.0.1"):
    page = client.get(f"/contributions/{contribution_id}", environ_base={"REMOTE_ADDR": address})
    return client.post(
        f"/contributions/{contribution_id}/support",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
        environ_base={"REMOTE_ADDR": address},
        follow_redirects=True,
    ).get_data(as_text=True)


def test_supports_count_once_per_browser_and_a_few_per_address(make_app, contribute):
    app = make_app(SUPPORTS_PER_ADDRESS=2)
    from consult.contributions import operations
    from consult.db import writing

    with app.app_context(), writing():
        contribution, _ = operations.create_contribution(
            db.session, kind="comment", text="Agreeable", language="en", organisation_type="other"
        )
        operations.publish(db.session, contribution)
        db.commit()
        contribution_id = contribution.id
    browser = app.test_client()
    assert "your support is counted" in _support(browser, contribution_id)
    page = browser.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert "1 person supports" in page and "You support this contribution." in page
    assert "already support" in _support(browser, contribution_id)
    assert "your support is counted" in _support(app.test_client(), contribution_id)
    assert "Your support was not counted" in _support(app.test_client(), contribution_id)
    assert "your support is counted" in _support(app.test_client(), contribution_id, "10.1.1.1")
    with app.app_context():
        assert db.session.get(Contribution, contribution_id).support_count == 3


def test_supports_on_unpublished_contributions_are_refused(client, contribute):
    contribution_id, _ = contribute()
    token = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    reply = client.post(f"/contributions/{contribution_id}/support", data={"csrf_token": token})
    assert reply.status_code == 404


def test_replies_are_moderated_then_shown(app, client, login, contribute):
    contribution_id, _ = contribute("Original", publish=True)
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    reply = client.post(
        f"/contributions/{contribution_id}/replies",
        data={
            "csrf_token": csrf_token(page),
            "text": "I reply <b>here</b> ✓",
            "language": "en",
            "signature": "Neighbourhood council",
            "organisation_type": "",
            "website": "",
        },
        follow_redirects=True,
    )
    assert "once a moderator has approved it" in reply.get_data(as_text=True)
    assert "I reply" not in client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    with app.app_context():
        reply_id = db.session.scalars(select(ContributionReply.id)).one()
    staff = app.test_client()
    login(staff, "moderator")
    queue = staff.get("/staff/moderation/").get_data(as_text=True)
    assert "Replies awaiting moderation (1)" in queue and "I reply &lt;b&gt;here&lt;/b&gt;" in queue
    staff.post(
        "/staff/moderation/replies/act",
        data={
            **moderation_versions(staff),
            "csrf_token": csrf_token(queue),
            "one": f"{reply_id}:approve",
        },
    )
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert "I reply &lt;b&gt;here&lt;/b&gt; ✓" in page and "Neighbourhood council" in page


def test_replies_have_no_replies_and_honeypot_replies_are_dropped(app, client, contribute):
    contribution_id, _ = contribute("Original", publish=True)
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert page.count('class="reply-form"') == 1  # one level: no form under each reply
    status = client.post(
        f"/contributions/{contribution_id}/replies",
        data={"csrf_token": csrf_token(page), "text": "Buy now", "language": "en", "website": "x"},
    ).status_code
    assert status == 400
    with app.app_context():
        assert db.session.scalars(select(ContributionReply)).all() == []


def test_the_official_response_is_shown_prominently(app, client, login, contribute):
    contribution_id, _ = contribute("Please add a right to care.", publish=True)
    login(client, "moderator")
    page = client.get(f"/staff/moderation/{contribution_id}").get_data(as_text=True)
    client.post(
        f"/staff/moderation/{contribution_id}/response",
        data={
            **form_versions(client, f"/staff/moderation/{contribution_id}"),
            "csrf_token": csrf_token(page),
            "text": "Thank you: care is on the revision's agenda.",
            "language": "en",
        },
    )
    public = app.test_client().get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert "Response from UCLG CISDP" in public
    assert public.index("care is on the revision") < public.index("Please add a right to care.")
    assert "CISDP responded" in app.test_client().get("/contributions").get_data(as_text=True)
    history = client.get(f"/staff/moderation/{contribution_id}").get_data(as_text=True)
    assert "Official response written" in history


def _report_with(client, contribution_id: int, comment: str):
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    return client.post(
        f"/contributions/{contribution_id}/report",
        data={"csrf_token": csrf_token(page), "reason": "spam", "comment": comment},
        follow_redirects=True,
    )


def test_a_comment_added_to_a_decided_report_needs_attention_again(app, login, contribute):
    """The moderator sees it in the queue; the page shows the new comment and the earlier
    decision; deciding again closes it."""
    from consult.contributions import operations
    from consult.contributions.models import ContributionReport
    from consult.db import writing

    contribution_id, _ = contribute("Buy cheap watches here.", publish=True)
    reader = app.test_client()
    assert _report_with(reader, contribution_id, "An advert ✓").status_code == 200
    with app.app_context(), writing():
        contribution = db.session.get(Contribution, contribution_id)
        operations.moderate(db.session, contribution, "hide", None, reason="spam")
        operations.moderate(db.session, contribution, "restore", None)
        db.commit()
    moderator = login(app.test_client(), "moderator")
    assert "Reported by readers (0)" in moderator.get("/staff/moderation/").get_data(as_text=True)

    reply = _report_with(reader, contribution_id, "And the link in it is a scam ✓")
    assert "your comment was added to your report" in reply.get_data(as_text=True)
    queue = moderator.get("/staff/moderation/").get_data(as_text=True)
    assert "Reported by readers (1)" in queue and "1 open report" in queue
    page = moderator.get(f"/staff/moderation/{contribution_id}").get_data(as_text=True)
    assert "And the link in it is a scam ✓" in page
    assert "Open again: a comment was added after the decision of" in page
    assert "(Restored)" in page
    french = moderator.get(f"/staff/moderation/{contribution_id}?lang=fr").get_data(as_text=True)
    assert "En attente de nouveau\u00a0: un commentaire a été ajouté après la décision" in french

    with app.app_context(), writing():
        contribution = db.session.get(Contribution, contribution_id)
        operations.moderate(db.session, contribution, "hide", None, reason="spam")
        db.commit()
        (report,) = db.session.scalars(select(ContributionReport)).all()
        assert report.resolved_at is not None
    queue = moderator.get("/staff/moderation/?lang=en").get_data(as_text=True)
    assert "Reported by readers (0)" in queue
