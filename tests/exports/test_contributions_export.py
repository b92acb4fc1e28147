"""The contributions export: only published contributions, every value cross-checked against the
database in every format, spreadsheet safety, unicode, personal data only when asked, audit."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from consult.contributions import operations, reactions
from consult.contributions.models import Contribution, ContributionReply, OfficialResponse
from consult.db import db, writing
from consult.exports.codebook import CODEBOOK_HEADER
from consult.exports.responses import iso_utc
from consult.exports.writers import neutralise
from consult.staff.exporting import wait_for_jobs
from consult.staff.models import AuditEntry, User
from consult.staff.operations import create_user
from tests.conftest import STAFF_PASSWORD
from tests.exports.synthetic import TRICKY_TEXTS
from tests.exports.test_responses_export import read_csv, read_json, read_xlsx

COLUMNS = [
    "contribution_id",
    "created_at",
    "published_at",
    "article",
    "part",
    "kind",
    "language",
    "country",
    "region",
    "organisation_type",
    "organisation_name",
    "text",
    "supports",
    "replies",
    "official_responses",
]
PERSONAL = ["contributor_name", "contributor_email", "contributor_name_is_public"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Stored:
    """What the fixture stored."""

    published: list[int] = field(default_factory=list)
    unpublished: dict[str, int] = field(default_factory=dict)
    #: Published contribution id -> (name, e-mail) given with consent.
    personal: dict[int, tuple[str, str]] = field(default_factory=dict)


def store_contributions(app) -> Stored:
    """Published contributions with every tricky text, replies, supports, an official response,
    personal data; and one contribution in each status that must never be exported."""
    stored = Stored()
    kinds = ("comment", "wording", "new_right", "reflection")
    places = [(None, None), ("art01", None), ("art10", "rights"), ("art12", "action_plan")]
    with app.app_context(), writing():
        moderator = create_user(db.session, "mod@cisdp.test", "moderator", STAFF_PASSWORD)
        for n, text in enumerate(TRICKY_TEXTS):
            article, part = places[n % len(places)]
            fields = {}
            if n % 4 == 1:
                fields = {
                    "name": f"=Name {n} ✍",
                    "email": f"person{n}@example.org",
                    "consented": True,
                    "show_name_publicly": n % 8 == 1,
                }
            contribution, _token = operations.create_contribution(
                db.session,
                kind=kinds[n % len(kinds)],
                text=text,
                language=("en", "fr", "es", "ar", "other")[n % 5],
                organisation_type=("civil_society", "academia", "individual")[n % 3],
                organisation_name=("+Ville de Grigny", None, "Ciudad de México 🏙")[n % 3],
                article=article,
                part=part,
                country=("FR", "KR", None, "MX")[n % 4],
                **fields,
            )
            operations.publish(db.session, contribution, moderator)
            stored.published.append(contribution.id)
            if fields:
                stored.personal[contribution.id] = (fields["name"], fields["email"])
            for s in range(n % 3):
                reactions.add_support(db.session, contribution, f"browser-{n}-{s}", f"ip-{s}")
            if n % 2 == 0:
                published = reactions.add_reply(
                    db.session, contribution, text="A reply", language="en"
                )
                reactions.moderate_reply(db.session, published, "approve", moderator)
                reactions.add_reply(db.session, contribution, text="Pending reply", language="en")
            if n % 5 == 0:
                operations.set_official_response(
                    db.session,
                    contribution,
                    text="CISDP thanks you.",
                    language="en",
                    author=moderator,
                )
        for status in ("pending", "rejected", "hidden", "withdrawn"):
            contribution, _token = operations.create_contribution(
                db.session,
                kind="comment",
                text=f"Never exported: {status}",
                language="en",
                organisation_type="academia",
                name=f"Secret {status}",
                email=f"secret-{status}@example.org",
                consented=True,
            )
            if status in ("rejected", "hidden"):
                action = "reject" if status == "rejected" else "hide"
                operations.moderate(db.session, contribution, action, moderator, reason="spam")
            elif status == "withdrawn":
                operations.withdraw(db.session, contribution)
            stored.unpublished[status] = contribution.id
        # published, then hidden after reports: no longer public, so never exported
        reported, _token = operations.create_contribution(
            db.session,
            kind="comment",
            text="Hidden by reports",
            language="en",
            organisation_type="academia",
        )
        operations.publish(db.session, reported, moderator)
        for r in range(3):
            reactions.add_report(
                db.session, reported, reason="spam", reporter_hash=f"r{r}", address_hash=f"a{r}"
            )
        stored.unpublished["hidden_by_reports"] = reported.id
        db.commit()
    return stored


def expected_rows(app, with_personal_data: bool = False) -> dict[str, list]:
    """The rows the export must hold, computed from the database independently of the export."""
    rows = {}
    with app.app_context():
        for c in db.session.scalars(
            select(Contribution).where(Contribution.status == "published").order_by(Contribution.id)
        ):
            replies = db.session.scalars(
                select(ContributionReply).where(
                    ContributionReply.contribution_id == c.id,
                    ContributionReply.status == "published",
                )
            ).all()
            answered = db.session.scalar(
                select(OfficialResponse.id).where(OfficialResponse.contribution_id == c.id)
            )
            row = [
                str(c.id),
                iso_utc(c.created_at),
                iso_utc(c.published_at),
                c.article or "",
                c.part or "",
                c.kind,
                c.language,
                c.country or "",
                c.region or "",
                c.organisation_type,
                c.organisation_name or "",
                c.text,
                str(c.support_count),
                str(len(replies)),
                "1" if answered else "0",
            ]
            if with_personal_data:
                details = c.contributor
                row += (
                    [details.name or "", details.email or "", str(int(details.is_name_public))]
                    if details is not None
                    else ["", "", ""]
                )
            rows[str(c.id)] = row
    return rows


def spreadsheet(value: str) -> str:
    """What CSV must hold for a text (the writers' rule, tested by a table in test_writers)."""
    return neutralise(value)


@pytest.fixture
def stored(app) -> Stored:
    return store_contributions(app)


def export(runner, tmp_path: Path, fmt: str, *args: str) -> Path:
    out = tmp_path / f"contributions.{fmt}"
    result = runner.invoke(
        args=["export", "contributions", "--format", fmt, "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out


def read(path: Path, fmt: str) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows as text) of an export in any format."""
    if fmt == "csv":
        table = read_csv(path)
        return table[0], table[1:]
    if fmt == "xlsx":
        table = read_xlsx(path, "contributions")
        return table[0], table[1:]
    document = read_json(path)
    return document["columns"], [
        ["" if row[c] is None else str(row[c]) for c in document["columns"]]
        for row in document["rows"]
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_value_matches_the_database(app, runner, tmp_path, stored, fmt):
    header, rows = read(export(runner, tmp_path, fmt), fmt)
    assert header == COLUMNS
    expected = expected_rows(app)
    assert [row[0] for row in rows] == [str(i) for i in stored.published]
    text_columns = {"organisation_name", "text"}
    for row in rows:
        wanted = expected[row[0]]
        if fmt == "csv":  # XLSX strings are strings: no apostrophe needed
            wanted = [
                spreadsheet(v) if name in text_columns else v
                for name, v in zip(COLUMNS, wanted, strict=True)
            ]
        assert row == wanted, row[0]
    # the fixture holds what the checks rely on
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}
    assert {r["replies"] for r in by_id.values()} == {"0", "1"}
    assert {r["official_responses"] for r in by_id.values()} == {"0", "1"}
    assert {r["supports"] for r in by_id.values()} == {"0", "1", "2"}
    assert {r["region"] for r in by_id.values()} >= {"europe", "asia_pacific", ""}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_nothing_unpublished_and_no_personal_data_by_default(runner, tmp_path, stored, fmt):
    path = export(runner, tmp_path, fmt)
    header, rows = read(path, fmt)
    exported = {int(row[0]) for row in rows}
    assert exported.isdisjoint(stored.unpublished.values())
    assert not set(PERSONAL) & set(header)
    raw = path.read_bytes()
    if fmt == "csv":
        raw += (tmp_path / "contributions.codebook.csv").read_bytes()
    assert b"Never exported" not in raw and b"Hidden by reports" not in raw
    assert b"example.org" not in raw and b"Secret" not in raw
    if fmt != "xlsx":  # XLSX is compressed; its cells were read above
        assert "=Name" not in raw.decode("utf-8-sig")


def test_formula_injection_is_neutralised_in_csv_and_xlsx_and_json_keep_the_text(
    runner, tmp_path, stored
):
    csv_rows = read(export(runner, tmp_path, "csv"), "csv")[1]
    xlsx_rows = read(export(runner, tmp_path, "xlsx"), "xlsx")[1]
    json_rows = read(export(runner, tmp_path, "json"), "json")[1]
    text = COLUMNS.index("text")
    name = COLUMNS.index("organisation_name")
    formulas = [t for t in TRICKY_TEXTS if t[0] in TRIGGERS]
    assert {row[text] for row in csv_rows} >= {"'" + t for t in formulas}
    assert not any(row[text][:1] in TRIGGERS for row in csv_rows)
    assert "'+Ville de Grigny" in {row[name] for row in csv_rows}
    # XLSX string cells never run as formulas: the text stays exactly as written
    for rows in (xlsx_rows, json_rows):
        assert {row[text] for row in rows} >= set(formulas)
        assert "+Ville de Grigny" in {row[name] for row in rows}
    workbook = openpyxl.load_workbook(tmp_path / "contributions.xlsx")
    sheet = workbook["contributions"]
    kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row if cell.value}
    assert "f" not in kinds
    # moments are real dates
    assert all(isinstance(row[1].value, datetime) for row in sheet.iter_rows(min_row=2))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unicode_round_trips_byte_identical(app, runner, tmp_path, stored, fmt):
    rows = read(export(runner, tmp_path, fmt), fmt)[1]
    text = COLUMNS.index("text")
    with app.app_context():
        database = {
            str(c.id): c.text
            for c in db.session.scalars(
                select(Contribution).where(Contribution.status == "published")
            )
        }
    for row in rows:
        value = row[text]
        if fmt == "csv" and database[row[0]][:1] in TRIGGERS:
            value = value[1:]
        assert value.encode("utf-8") == database[row[0]].encode("utf-8")
    exported = {row[text] for row in rows}
    for sample in (
        "人权城市 — 光州",
        "Emoji 🌍🏙️👩🏽‍⚖️ and a zero-width joiner",
        "Ligne 1\nLigne 2\r\nLigne 3",
    ):
        assert sample in exported


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_personal_data_only_when_asked_and_only_with_consent(app, runner, tmp_path, stored, fmt):
    path = export(runner, tmp_path, fmt, "--with-personal-data")
    header, rows = read(path, fmt)
    assert header == COLUMNS + PERSONAL
    assert rows and all(len(row) == len(header) for row in rows)
    expected = expected_rows(app, with_personal_data=True)
    given = {}
    for row in rows:
        record = dict(zip(header, row, strict=True))
        if record["contributor_email"]:
            given[int(record["contribution_id"])] = (
                record["contributor_name"].removeprefix("'")
                if fmt == "csv"
                else record["contributor_name"],
                record["contributor_email"],
            )
        assert row[-3:] == [
            spreadsheet(expected[row[0]][-3]) if fmt == "csv" else expected[row[0]][-3],
            *expected[row[0]][-2:],
        ]
    assert given == stored.personal
    assert "secret-pending@example.org" not in path.read_text(encoding="utf-8-sig")
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.contributions")
        ).one()
        assert entry.details == {"format": fmt, "with_personal_data": True, "rows": len(rows)}
        assert entry.actor_email == "command line"


def test_codebook_labels_articles_parts_kinds_and_types_in_three_languages(
    runner, tmp_path, stored
):
    export(runner, tmp_path, "csv")
    codebook = read_csv(tmp_path / "contributions.codebook.csv")
    assert codebook[0] == CODEBOOK_HEADER
    entries = {(row[0], row[4]): row[6:] for row in codebook[1:]}
    assert {name for name, _value in entries} == set(COLUMNS)
    assert entries[("kind", "comment")] == ["Comment", "Commentaire", "Comentario"]
    assert entries[("organisation_type", "academia")][0] == "Academia or research"
    assert all(entries[("organisation_type", "academia")])
    assert entries[("organisation_type", "academia")][1] != "Academia or research"
    article = entries[("article", "art10")]
    assert article[0].startswith("X. ") and len(set(article)) == 3
    part = entries[("part", "action_plan")]
    assert part[0] and len(set(part)) == 3
    assert entries[("language", "ar")] == ["Arabic", "arabe", "árabe"]
    assert entries[("region", "europe")][0] == "Europe"
    for code in ("art01", "art12"):
        assert ("article", code) in entries
    # every code column lists every key a row may hold
    header, rows = read(tmp_path / "contributions.csv", "csv")
    for name in ("article", "part", "kind", "language", "region", "organisation_type", "country"):
        position = header.index(name)
        assert {row[position] for row in rows if row[position]} <= {
            value for column, value in entries if column == name
        }


def test_json_codebook_is_embedded(runner, tmp_path, stored):
    document = read_json(export(runner, tmp_path, "json"))
    assert document["kind"] == "contributions" and document["with_personal_data"] is False
    kinds = {e["value"]: e["label_fr"] for e in document["codebook"] if e["column"] == "kind"}
    assert kinds[""] and kinds["wording"] == "Proposition de rédaction"


def test_an_empty_export_still_has_its_columns(runner, tmp_path):
    header, rows = read(export(runner, tmp_path, "xlsx"), "xlsx")
    assert header == COLUMNS and rows == []


# -- from the workspace ---------------------------------------------------------------------------


def ask(client, **fields):
    page = client.get("/staff/exports").get_data(as_text=True)
    form = page.split('action="/staff/exports/contributions"')[1]
    token = re.search(r'name="contributions-csrf_token"[^>]*value="([^"]+)"', form).group(1)
    data = {"contributions-csrf_token": token, "contributions-format": "json"}
    data.update({f"contributions-{k}": v for k, v in fields.items()})
    return client.post("/staff/exports/contributions", data=data)


def download(app, client, reply) -> bytes:
    assert reply.status_code == 303, reply.get_data(as_text=True)
    wait_for_jobs(app)
    page = client.get(reply.location).get_data(as_text=True)
    assert "ready" in page and "open contributions" in page, page
    link = re.search(r'href="(/staff/exports/\d+/download/0)"', page).group(1)
    with client.get(link) as response:
        assert response.status_code == 200
        return response.get_data()


def test_analyst_exports_published_contributions_from_the_workspace(app, login, stored):
    client = app.test_client()
    login(client, "analyst")
    page = client.get("/staff/exports").get_data(as_text=True)
    assert "Export the open contributions" in page
    assert "contributions-with_personal_data" not in page  # admins only
    document = json.loads(download(app, client, ask(client, format="json")))
    assert [row["contribution_id"] for row in document["rows"]] == stored.published
    assert "contributor_email" not in document["columns"]
    assert ask(client, with_personal_data="y").status_code == 403
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["export.contributions", "export.downloaded"]


def test_admin_exports_consented_personal_data_from_the_workspace(app, login, stored):
    client = app.test_client()
    login(client, "admin")
    document = json.loads(download(app, client, ask(client, format="json", with_personal_data="y")))
    emails = {row["contributor_email"] for row in document["rows"] if row["contributor_email"]}
    assert emails == {email for _name, email in stored.personal.values()}
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.contributions")
        ).one()
        admin = db.session.get(User, entry.actor_id)
        assert admin.role == "admin" and admin.email.startswith("admin-")
        assert entry.details["with_personal_data"] is True
