"""Cases an outside review of e-mail tried that the first tests did not: each chokepoint with a
table of cases (template placeholders, per-invitee pacing, reminders withdrawn on submission,
the digest's day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.mail import invitees
from consult.mail.digest import check_settings, day_start
from consult.mail.models import CANCELLED, MailTemplate, OutboxMessage
from consult.mail.sender import run
from consult.questionnaires.models import Response
from consult.staff import invitations
from consult.staff.invitation_views import link_for
from consult.staff.models import Invitation
from tests.conftest import csrf_token
from tests.mail.conftest import invite, sign_in
from tests.mail.test_invitations import INVITEES, age_everything, post
from tests.mail.test_respondents import outbox

# -- staff texts: one check of the placeholders for preview, test and save --------------------


@pytest.mark.parametrize(
    ("subject", "body", "problems"),
    [
        ("Invitation: {questionnaire}", "Dear {institution}, {link} by {deadline}", {}),
        ("Hello", "Dear {institutoin},\n\n{link}", {"body": "unknown:{institutoin}"}),
        ("For {Institution}", "{link}", {"subject": "unknown:{Institution}"}),
        ("Hi", "{{link}} {link}", {"body": "unknown:{{link}}"}),
        ("Hi", "{ deadline } {link}", {"body": "unknown:{ deadline }"}),
        ("Hi", "{deadline:%Y} {link}", {"body": "unknown:{deadline:%Y}"}),
        ("Hi", "{x} {y} {x} {link}", {"body": "unknown:{x}, {y}"}),
        ("Hi", "{lien}", {"body": "unknown:{lien}"}),
        ("Hi", "no link at all", {"body": "no_link"}),
        ("Your link {link}", "{link}", {"subject": "link_in_subject"}),
        ("Braces { alone", "and } alone {link}", {}),
        ("Árabe مدينة", "北京市 {institution}\n{link}", {}),
    ],
)
def test_template_problems(subject, body, problems) -> None:
    assert invitees.template_problems(subject, body) == problems


@pytest.mark.parametrize("action", ["preview", "test", "save"])
def test_a_bad_placeholder_is_named_to_staff_and_nothing_goes(app, client, login, action) -> None:
    login(client, "analyst")
    path = "/staff/mail/templates/reminder/es"
    reply = post(
        client, path, action=action, subject="Hola", body="Estimados {institucion}: {link}"
    )
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "{institucion}" in page and "{institution}" in page and 'aria-invalid="true"' in page
    assert outbox(app) == []
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None


def test_a_stored_text_with_an_unknown_placeholder_is_sent_as_written(app, staff) -> None:
    # A text saved before the check: the batch never fails on it (no 500 at send time).
    staff("admin", "importer@cisdp.test")
    invite(app, INVITEES[:1])
    with app.app_context(), writing():
        db.session.add(
            MailTemplate(kind="invitation", language="fr", subject="S {x}", body="B {y} {link}")
        )
        db.commit()
    with app.test_request_context():
        statuses = invitations.statuses(db.session, invitations.INVITATION_QUESTIONNAIRE, {})
        from consult.questionnaires.registry import get_questionnaire

        questionnaire = get_questionnaire(invitations.INVITATION_QUESTIONNAIRE)
        [queued] = invitees.queue_for(db.session, "invitation", statuses, questionnaire, link_for)
        assert queued.subject == "S {x}" and queued.body_text.startswith("B {y} http")


# -- pacing: one conditional UPDATE decides who is mailed --------------------------------------


def _statuses():
    return invitations.statuses(db.session, invitations.INVITATION_QUESTIONNAIRE, {})


def _queue(kind: str, statuses, interval=timedelta(days=7)) -> list[str]:
    from consult.questionnaires.registry import get_questionnaire

    questionnaire = get_questionnaire(invitations.INVITATION_QUESTIONNAIRE)
    queued = invitees.queue_for(db.session, kind, statuses, questionnaire, link_for, interval)
    db.commit()
    return sorted(m.recipient_name for m in queued)


@pytest.mark.parametrize(
    ("kind", "invited_days_ago", "reminded_days_ago", "unsubscribed", "mailed"),
    [
        ("invitation", None, None, False, True),
        ("invitation", 30, None, False, False),  # never invited twice
        ("invitation", None, None, True, False),
        ("reminder", None, None, False, False),  # never invited: no reminder
        ("reminder", 8, None, False, True),
        ("reminder", 6, None, False, False),  # within the interval of the invitation
        ("reminder", 30, 6, False, False),  # within the interval of the last reminder
        ("reminder", 30, 8, False, True),
        ("reminder", 30, 8, True, False),
    ],
)
def test_claim_invitees(
    app, staff, kind, invited_days_ago, reminded_days_ago, unsubscribed, mailed
) -> None:
    staff("admin", "importer@cisdp.test")
    [invitation_id] = invite(app, INVITEES[:1])
    now = utcnow()
    with app.test_request_context(), writing():
        invitees._ensure_rows(db.session, [invitation_id])
        ago = lambda days: None if days is None else now - timedelta(days=days)  # noqa: E731
        db.session.execute(
            update(invitees.InviteeMail).values(
                invited_at=ago(invited_days_ago),
                reminded_at=ago(reminded_days_ago),
                unsubscribed_at=now if unsubscribed else None,
            )
        )
        taken = invitees.claim_invitees(db.session, kind, [invitation_id], now, timedelta(days=7))
        assert taken == ({invitation_id} if mailed else set())
        # Claimed once: the same call right after takes nobody.
        assert (
            invitees.claim_invitees(db.session, kind, [invitation_id], now, timedelta(7)) == set()
        )


def test_two_workers_with_the_same_page_mail_each_invitee_once(app, staff) -> None:
    # Two staff press "send" together: each worker chose its candidates from the same reading.
    staff("admin", "importer@cisdp.test")
    invite(app, INVITEES)
    with app.test_request_context(), writing():
        first_reading = _statuses()
        second_reading = _statuses()
        assert len(_queue("invitation", first_reading)) == 4
        assert _queue("invitation", second_reading) == []
    age_everything(app, 8)
    with app.test_request_context(), writing():
        first_reading, second_reading = _statuses(), _statuses()
        assert len(_queue("reminder", first_reading)) == 4
        assert _queue("reminder", second_reading) == []
    assert [m.kind for m in outbox(app)].count("reminder") == 4


# -- a reminder waiting when the response is submitted is withdrawn -------------------------------


def test_a_reminder_waiting_when_the_response_is_submitted_is_not_sent(
    make_app, smtp_server
) -> None:
    app = make_app(**smtp_server.config())
    client = app.test_client()
    sign_in(app, client, "admin")
    ids = invite(app, INVITEES[:2])
    with app.app_context():
        geneve = db.session.get(Invitation, ids[0])
        token = invitations.invitation_token(geneve, app.config["SECRET_KEY"])
    # Genève starts its response; both are invited and, 8 days later, reminded.
    respondent = app.test_client()
    page = respondent.get(f"/i/{token}").get_data(as_text=True)
    respondent.post(f"/i/{token}", data={"csrf_token": csrf_token(page)})
    post(client, "/staff/mail/invitations", action="invite")
    with app.app_context():
        run(app, loop=False)
    age_everything(app, 8)
    post(client, "/staff/mail/invitations", action="remind", target="not_submitted")
    assert [m.state for m in outbox(app) if m.kind == "reminder"] == ["pending", "pending"]

    # Genève submits a second later, before the sender reaches the reminders.
    with app.app_context(), writing():
        response = db.session.scalar(select(Response).where(Response.invitation_id == ids[0]))
        response.status, response.submitted_at = "submitted", utcnow()
        db.commit()
    with app.app_context():
        run(app, loop=False)
    reminders = {m.recipient_name: m for m in outbox(app) if m.kind == "reminder"}
    assert reminders["Ville de Genève"].state == CANCELLED
    assert reminders["Ville de Genève"].body_text is None
    assert reminders["Ciudad de México"].state == "sent"
    sent_to = [item.recipients for item in smtp_server.recorder.received]
    assert sent_to.count(["mairie@geneve.example.ch"]) == 1  # the invitation only
    listing = client.get("/staff/mail/invitations").get_data(as_text=True)
    assert "Not sent: the response was submitted first" in listing


def test_a_reminder_a_sender_holds_is_left_alone(app, staff) -> None:
    staff("admin", "importer@cisdp.test")
    [invitation_id] = invite(app, INVITEES[:1])
    from consult.mail.invitee_mail import withdraw_reminders

    with app.test_request_context(), writing():
        for kind, claimed in (("reminder", True), ("reminder", False), ("invitation", False)):
            message = OutboxMessage(
                kind=kind,
                recipient_email="a@b.example",
                language="en",
                subject="s",
                body_text="t",
                message_id=f"<{kind}{claimed}@x>",
                invitation_id=invitation_id,
                claimed_until=utcnow() + timedelta(minutes=5) if claimed else None,
            )
            db.session.add(message)
        db.session.flush()
        assert withdraw_reminders(db.session, [invitation_id]) == 1
        db.commit()
    states = sorted((m.kind, m.claimed_until is not None, m.state) for m in outbox(app))
    assert states == [
        ("invitation", False, "pending"),
        ("reminder", False, "cancelled"),
        ("reminder", True, "pending"),
    ]


# -- the daily digest: one per digest day, the same for every host -------------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "hour", "zone", "start"),
    [
        ("2026-12-03 08:00", 7, "UTC", "2026-12-03 07:00"),
        ("2026-12-03 07:00", 7, "UTC", "2026-12-03 07:00"),
        ("2026-12-03 06:59", 7, "UTC", "2026-12-02 07:00"),
        ("2026-12-03 00:30", 0, "UTC", "2026-12-03 00:00"),
        # Madrid is UTC+1 in winter, UTC+2 in summer.
        ("2026-12-03 06:30", 7, "Europe/Madrid", "2026-12-03 06:00"),
        ("2026-07-03 05:30", 7, "Europe/Madrid", "2026-07-03 05:00"),
        ("2026-07-03 04:59", 7, "Europe/Madrid", "2026-07-02 05:00"),
        # The night the clocks go forward (2:00 -> 3:00) and back (3:00 -> 2:00).
        ("2026-03-29 12:00", 7, "Europe/Madrid", "2026-03-29 05:00"),
        ("2026-03-29 02:00", 2, "Europe/Madrid", "2026-03-29 01:00"),
        ("2026-10-25 12:00", 7, "Europe/Madrid", "2026-10-25 06:00"),
        # East of UTC, the digest day starts the evening before in UTC.
        ("2026-12-02 23:30", 7, "Asia/Seoul", "2026-12-02 22:00"),
        ("2026-12-02 21:30", 7, "Asia/Seoul", "2026-12-01 22:00"),
        (
            "2026-12-03 12:30",
            7,
            "America/Mexico_City",
            "2026-12-02 13:00",
        ),
    ],
)
def test_day_start(now, hour, zone, start) -> None:
    assert day_start(_utc(now), hour, zone) == _utc(start)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "Asia/Seoul", "America/Mexico_City"])
def test_hourly_senders_on_several_hosts_send_one_digest_a_day_at_the_same_hour(zone) -> None:
    # Three senders started at different minutes each look once an hour for 30 days
    # (across a change of daylight saving time): the rule the claim's UPDATE applies.
    last: datetime | None = None
    sent: list[datetime] = []
    begin = _utc("2026-10-10 00:00")
    looks = sorted(
        begin + timedelta(minutes=offset) + timedelta(hours=h)
        for offset in (3, 17, 41)
        for h in range(30 * 24)
    )
    for now in looks:
        if last is None or last < day_start(now, 7, zone):
            last = now
            sent.append(now)
    assert len(sent) in (30, 31)
    from zoneinfo import ZoneInfo

    # The first at once (a new subscriber), then each day in the hour after 7:00 local time.
    assert {moment.astimezone(ZoneInfo(zone)).hour for moment in sent[1:]} == {7}
    assert len({moment.astimezone(ZoneInfo(zone)).date() for moment in sent[1:]}) == len(sent) - 1


@pytest.mark.parametrize(
    "settings",
    [
        {"MAIL_DIGEST_HOUR": 24},
        {"MAIL_DIGEST_HOUR": "seven"},
        {"MAIL_DIGEST_TIMEZONE": "Mars/Olympus"},
        {"MAIL_DIGEST_TIMEZONE": "../../etc/passwd"},
    ],
)
def test_a_wrong_digest_setting_stops_the_app_at_start(make_app, settings) -> None:
    with pytest.raises(ValueError, match="MAIL_DIGEST_"):
        check_settings(settings)
    with pytest.raises(ValueError, match="MAIL_DIGEST_"):
        make_app(**settings)


def test_the_unsubscribe_link_of_a_test_message_changes_nothing(app, client, login) -> None:
    login(client, "analyst")
    post(client, "/staff/mail/templates/invitation/en", action="test", subject="S", body="{link}")
    [message] = outbox(app)
    assert client.post(urlsplit(message.unsubscribe_url).path).status_code == 200


# -- unsubscribe, and taking it back ----------------------------------------------------------


def test_an_invitee_who_unsubscribed_can_take_the_reminders_back(app, client, login) -> None:
    from consult.staff.models import AuditEntry

    login(client, "admin")
    [invitation_id] = invite(app, INVITEES[:1])
    post(client, "/staff/mail/invitations", action="invite")
    [invitation] = outbox(app)
    path = urlsplit(invitation.unsubscribe_url).path
    invitee = app.test_client()
    invitee.post(path, data={"List-Unsubscribe": "One-Click"})  # the mail client's click
    page = invitee.get(path).get_data(as_text=True)  # later, from the message's footer
    assert "no more reminders" in page and 'value="resubscribe"' in page
    age_everything(app, 8)
    post(client, "/staff/mail/invitations", action="remind", target="not_started")
    assert [m.kind for m in outbox(app)] == ["invitation"]

    reply = invitee.post(path, data={"action": "resubscribe"})
    assert "you will receive the reminders again" in reply.get_data(as_text=True)
    assert 'value="resubscribe"' not in invitee.get(path).get_data(as_text=True)
    post(client, "/staff/mail/invitations", action="remind", target="not_started")
    assert [m.kind for m in outbox(app)] == ["invitation", "reminder"]
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target == f"invitation {invitation_id}")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["mail.unsubscribed", "mail.resubscribed"]


def test_a_test_message_carries_no_invitees_link(app, client, login) -> None:
    # Following the button of a test message must not open (or start) a real invitee's
    # response, nor mark it "opened" on the coverage page.
    login(client, "analyst")
    invite(app, INVITEES[:2])
    post(client, "/staff/mail/templates/invitation/fr", action="test", subject="S", body="{link}")
    [message] = outbox(app)
    assert message.kind == "test"
    assert "/i/" not in message.body_text and "/i/" not in message.body_html
    with app.test_request_context():
        from consult.core.links import absolute_url_for

        intro = absolute_url_for("questionnaires.intro", key=invitations.INVITATION_QUESTIONNAIRE)
    assert intro + "?lang=fr" in message.body_text


# -- "Lost your link?": the same work whether the address answered or not -------------------------


def test_lost_link_does_the_same_work_for_any_address(app, respondent, monkeypatch) -> None:
    # Timing: an address that answered nothing, or had its three messages today, must cost
    # what a matching one costs (render, ticket, meter). Counted, not timed.
    from consult.mail import messages, quota, respondents
    from tests.mail.test_respondents import _lost_link

    respondent.start()
    respondent.client.post(
        f"/r/{respondent.token}/email-link",
        data={
            "csrf_token": csrf_token(respondent.client.get(f"/r/{respondent.token}/review").text),
            "email": "city@example.org",
            "back": f"/r/{respondent.token}/review",
        },
    )
    calls: list[str] = []
    for module, name in (
        (messages, "render"),
        (respondents, "lost_link_ticket"),
        (quota, "asks_about"),
        (quota, "count_client_hit"),
    ):
        original = getattr(module, name)

        def wrapper(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
    seen = {}
    cases = [("known", "city@example.org")]
    cases += [("again", "city@example.org")] * (respondents.LOST_LINK_PER_ADDRESS_PER_DAY - 1)
    cases += [("throttled", "city@example.org"), ("unknown", "x@example.org")]
    cases += [("again", "x@example.org")] * (respondents.LOST_LINK_PER_ADDRESS_PER_DAY - 1)
    cases += [("unknown throttled", "x@example.org")]
    for label, address in cases:
        calls.clear()
        reply = _lost_link(app.test_client(), address)
        seen[label] = (reply.status_code, sorted(calls))
    work = ["asks_about", "count_client_hit", "lost_link_ticket", "render"]
    assert seen["known"] == seen["unknown"] == (200, work)
    # Refused after three, said on the page, alike for an address that answered and one that
    # did not: the refusal tells nothing either.
    assert seen["throttled"] == seen["unknown throttled"] == (429, work)
    assert [m.kind for m in outbox(app)].count("lost_link") == 3


def test_two_workers_at_the_same_moment_mail_each_invitee_once(app, staff) -> None:
    # Two connections: the second's claim runs while the first's is not committed yet (it
    # waits for the first's locks), then finds nobody left to take.
    import threading

    staff("admin", "importer@cisdp.test")
    ids = invite(app, INVITEES[:4])
    factory = app.extensions["consult.db"].factory
    now = utcnow()
    second: dict[str, set[int]] = {}

    def other_worker() -> None:
        with app.app_context(), writing(), factory() as session:
            second["taken"] = invitees.claim_invitees(
                session, "invitation", ids, now, timedelta(days=7)
            )
            session.commit()

    with app.app_context(), writing(), factory() as session:
        first = invitees.claim_invitees(session, "invitation", ids, now, timedelta(days=7))
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for the first worker's transaction
        session.commit()
    worker.join(10)
    assert first == set(ids) and second["taken"] == set()


def test_an_address_nothing_can_be_sent_to_does_not_fail_the_batch(app, client, login) -> None:
    login(client, "admin")
    ids = invite(app, INVITEES[:2])
    with app.app_context(), writing():
        # Stored before today's checks, or changed by hand in the database.
        db.session.execute(
            update(Invitation).where(Invitation.id == ids[0]).values(email="mairie @geneve")
        )
        db.commit()
    assert post(client, "/staff/mail/invitations", action="invite").status_code == 303
    assert [m.recipient_name for m in outbox(app)] == ["Ciudad de México"]


def test_the_digest_page_says_when_it_leaves(make_app) -> None:
    app = make_app(MAIL_DIGEST_HOUR=8, MAIL_DIGEST_TIMEZONE="Europe/Madrid")
    client = app.test_client()
    sign_in(app, client, "moderator")
    page = client.get("/staff/mail/digest?lang=fr").get_data(as_text=True)
    assert "08:00 (fuseau horaire Europe/Madrid)" in page
