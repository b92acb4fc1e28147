"""Only published contributions are public, and user markup is always shown as text."""

from __future__ import annotations

import pytest

from consult.contributions import operations
from consult.contributions.data import CONTRIBUTION_COLUMNS, load_published_contributions
from consult.contributions.models import Contribution
from consult.db import db, writing

PAYLOADS = [
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '<a href="javascript:window.pwned=1">click me</a>',
    '<svg onload="window.pwned=1"><circle r="5"/></svg>',
]
ESCAPED = [
    "&lt;script&gt;window.pwned=1&lt;/script&gt;",
    "&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt;",
    "&lt;a href=&#34;javascript:window.pwned=1&#34;&gt;click me&lt;/a&gt;",
    "&lt;svg onload=&#34;window.pwned=1&#34;&gt;",
]


def _set_status(app, contribution_id: int, status: str) -> None:
    with app.app_context(), writing():
        db.session.get(Contribution, contribution_id).status = status
        db.commit()


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden", "withdrawn"])
def test_unpublished_contributions_are_never_public(app, client, contribute, status):
    secret = f"Secret words of a {status} contribution"
    visible, _ = contribute("Published words", publish=True, article="art06", part="rights")
    hidden_id, token = contribute(secret, article="art06", part="rights")
    if status != "pending":
        _set_status(app, hidden_id, status)
    pages = [
        "/contributions",
        "/contributions?q=Secret",
        "/contributions?article=art06",
        "/contributions?article=art06&part=rights",
        "/charter/art06",
        "/charter",
    ]
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert "Secret words" not in page, path
        assert f"/contributions/{hidden_id}" not in page, path
    assert "Published words" in client.get("/charter/art06").get_data(as_text=True)
    # Gone (410) only when final; hidden or pending may still be shown (404).
    assert client.get(f"/contributions/{hidden_id}").status_code == (
        404 if status in ("pending", "hidden") else 410
    )
    assert client.get(f"/contributions/{visible}").status_code == 200
    # Only its author, through the private link, still sees it.
    assert secret in client.get(f"/contributions/status/{token}").get_data(as_text=True)
    with app.app_context(), db.engine.connect() as connection:
        frame = load_published_contributions(connection)
    assert list(frame["contribution_id"]) == [visible]


def test_the_loader_has_the_agreed_columns_and_no_personal_data(app, contribute):
    contribute(
        "Para todos 🏙",
        publish=True,
        article="art01",
        part="duties",
        country="MX",
        name="Private Person",
        email="private@example.org",
        consented=True,
    )
    with app.app_context(), db.engine.connect() as connection:
        frame = load_published_contributions(connection)
    assert list(frame.columns) == CONTRIBUTION_COLUMNS
    row = frame.iloc[0]
    assert (row.article, row.part, row.country, row.region) == (
        "art01",
        "duties",
        "MX",
        "latin_america",
    )
    assert row.text == "Para todos 🏙" and row.supports == 0
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert "Private Person" not in frame.to_csv() and "private@" not in frame.to_csv()


def test_the_operations_serve_a_demo_generator(app):
    with app.app_context(), writing():
        kept, _ = operations.create_contribution(
            db.session,
            kind="new_right",
            text="Digital rights",
            language="fr",
            organisation_type="individual",
            is_demo=True,
        )
        dropped, _ = operations.create_contribution(
            db.session,
            kind="comment",
            text="Spam",
            language="en",
            organisation_type="other",
        )
        operations.publish(db.session, kept)
        operations.reject(db.session, dropped, "spam", note="Advertising")
        db.commit()
        assert (kept.status, dropped.status, dropped.moderation_reason) == (
            "published",
            "rejected",
            "spam",
        )
        assert operations.delete_demo_contributions(db.session) == 1


def test_a_public_name_is_shown_only_when_chosen(app, client, contribute):
    contribute("Named", publish=True, name="Shown Name", consented=True, show_name_publicly=True)
    contribute("Unnamed", publish=True, name="Kept Name", consented=True)
    page = client.get("/contributions").get_data(as_text=True)
    assert "Shown Name" in page and "Kept Name" not in page


@pytest.mark.parametrize("payload, escaped", list(zip(PAYLOADS, ESCAPED, strict=True)))
def test_payloads_are_text_on_every_page(app, client, login, contribute, payload, escaped):
    text = f"Before {payload} after"
    published, _ = contribute(text, publish=True, article="art09")
    pending, token = contribute(text, article="art09")
    public_pages = ["/contributions", "/charter/art09", f"/contributions/{published}"]
    for path in [*public_pages, f"/contributions/status/{token}"]:
        page = client.get(path).get_data(as_text=True)
        assert escaped in page, path
        assert payload not in page, path
    login(client, "moderator")
    for path in ["/staff/moderation/", f"/staff/moderation/{pending}"]:
        page = client.get(path).get_data(as_text=True)
        assert escaped in page, path
        assert payload not in page, path


def test_search_filters_and_pages(make_app):
    app = make_app(CONTRIBUTIONS_PER_PAGE=2)
    client = app.test_client()
    with app.app_context(), writing():
        for number, (kind, article, country, org, language) in enumerate(
            [
                ("comment", "art01", "FR", "academia", "fr"),
                ("wording", "art01", "KR", "civil_society", "en"),
                ("new_right", None, "BR", "individual", "es"),
                ("comment", "art02", "US", "local_government", "en"),
                ("comment", None, "SN", "academia", "en"),
            ]
        ):
            contribution, _ = operations.create_contribution(
                db.session,
                kind=kind,
                text=f"Text number {number} about Ciudad",
                language=language,
                organisation_type=org,
                article=article,
                country=country,
            )
            operations.publish(db.session, contribution)
        db.commit()

    def ids(query: str) -> str:
        page = client.get("/contributions" + query).get_data(as_text=True)
        found = [c for c in "01234" if f"Text number {c} " in page]
        return "".join(sorted(found, key=lambda c: page.index(f"Text number {c} ")))

    assert ids("") == "43"  # newest first, two per page
    assert ids("?page=2") == "21" and ids("?page=3") == "0" and ids("?page=99") == "0"
    assert ids("?article=art01") == "10"
    assert ids("?article=charter") == "42"
    assert ids("?kind=new_right") == "2"
    assert ids("?region=asia_pacific") == "1"
    assert ids("?type=academia") == "40"
    assert ids("?language=es") == "2"
    assert ids("?q=NUMBER%203") == "3"
    assert ids("?q=%25") == ""  # LIKE wildcards are searched literally
    assert ids("?kind=bogus&article=<script>") == "43"
