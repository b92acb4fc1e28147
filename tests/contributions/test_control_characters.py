"""A NUL (and other control characters) in every public text field: never a 500, on SQLite or
PostgreSQL (which refuses NUL in text), and never stored."""

from __future__ import annotations

from sqlalchemy import select

from consult.contributions.models import Contribution, ContributionReply
from consult.db import db
from tests.conftest import csrf_token


def test_nul_in_every_public_text_field_is_stored_without_it(app, contributor, contribute):
    _path, _token = contributor.send_ok(
        text="Housing\x00 first\x07",
        name="Ana\x00 P\u00e9rez",
        email="ana@exam\x00ple.org",
        organisation_name="Ville\x00 de Grigny",
        consent="y",
    )
    with app.app_context():
        stored = db.session.scalars(select(Contribution)).one()
        assert stored.text == "Housing first"
        assert stored.organisation_name == "Ville de Grigny"
    published, _ = contribute("Published.", publish=True)
    client = contributor.client
    token = csrf_token(client.get(f"/contributions/{published}").get_data(as_text=True))
    reply = client.post(
        f"/contributions/{published}/replies",
        data={"csrf_token": token, "text": "I\x00 agree", "signature": "A\x00", "language": "en"},
    )
    assert reply.status_code < 500
    with app.app_context():
        assert [r.text for r in db.session.scalars(select(ContributionReply))] == ["I agree"]
    reply = client.post(
        f"/contributions/{published}/report",
        data={"csrf_token": token, "reason": "spam", "comment": "bad\x00 text"},
    )
    assert reply.status_code < 500
    for query in ("hous%00ing", "%00", "%C0%80", "\u202e", "x" * 500):
        assert client.get(f"/contributions?q={query}").status_code == 200
