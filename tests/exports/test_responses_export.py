"""The responses export, cross-checked against the database in every format and form."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select

from consult.db import db
from consult.exports.codebook import CODEBOOK_HEADER
from consult.exports.writers import neutralise
from consult.questionnaires.definition import OTHER_PART, Questionnaire
from consult.questionnaires.models import Response
from consult.questionnaires.registry import EXTENSION_KEY
from consult.staff.models import AuditEntry
from tests.exports.conftest import Stored
from tests.exports.synthetic import TRICKY_TEXTS

FIXED = [
    "response_id",
    "questionnaire",
    "version",
    "language",
    "submitted_at",
    "country",
    "region",
    "respondent_type",
]


def QS(app):
    return app.extensions[EXTENSION_KEY]


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def export(runner, tmp_path: Path, fmt: str, *args: str) -> Path:
    out = tmp_path / f"responses.{fmt}"
    result = runner.invoke(args=["export", "responses", "--format", fmt, "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte order mark"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_text(value: str) -> str:
    """Undo the OOXML escape (_xHHHH_) the way Excel does; openpyxl leaves it in cell text."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def xlsx_text(value) -> str:
    """A typed XLSX cell as the CSV writes it: a date as ISO 8601 UTC, a number as digits."""
    if value is None:
        return ""
    if isinstance(value, str):
        return ooxml_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def read_xlsx(path: Path, sheet: str = "responses") -> list[list[str]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for row in workbook[sheet].iter_rows(values_only=True):
        rows.append([xlsx_text(v) for v in row])
    workbook.close()
    return rows


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def question_columns(questionnaire: Questionnaire, prefixed: bool = False) -> list[str]:
    """The question columns of a questionnaire: its profile questions are the fixed columns."""
    names = []
    prefix = f"{questionnaire.key}." if prefixed else ""
    profile = set(questionnaire.profile_fields.values())
    for question in questionnaire.questions:
        if question.key in profile:
            continue
        if question.parts == ("",):
            names.append(prefix + question.key)
        else:
            names.extend(f"{prefix}{question.key}.{part}" for part in question.parts)
    return names


def expected_value(
    questionnaire: Questionnaire, answers, column: str, prefixed: bool = False
) -> str:
    """The value a wide export must hold, worked out from the stored answers."""
    if prefixed:
        owner, _dot, column = column.partition(".")
        if owner != questionnaire.key:
            return ""  # a column of another questionnaire
    key, _dot, part = column.partition(".")
    try:
        question = questionnaire.question(key)
    except KeyError:
        return ""  # a column of another questionnaire
    given = answers.get(key)
    if not given or (part and part not in question.parts):
        # not answered, not asked (a condition), or an option this questionnaire does not offer
        return ""
    if question.type == "multiple_choice" and part != OTHER_PART:
        return "1" if given.get(part) == "1" else "0"
    return given.get(part, "")


def safe(text: str) -> str:
    """What CSV holds for a text (the writers' rule, tested by a table in test_writers)."""
    return neutralise(text)


def check_wide(app, stored: Stored, header: list[str], rows: list[list[str]], neutralised: bool):
    questionnaires = QS(app)
    assert header[:8] == FIXED
    assert len(set(header)) == len(header), "one header per column, never repeated"
    prefixed = len({key for key, _answers in stored.submitted.values()}) > 1
    expected_columns = [
        name
        for questionnaire in questionnaires.values()
        for name in question_columns(questionnaire, prefixed)
    ]
    # every question and part has its column (conditional ones included), and no other
    assert sorted(header[8:]) == sorted(expected_columns)
    assert len(rows) == len(stored.submitted)
    with app.app_context():
        responses = {
            r.id: SimpleNamespace(
                questionnaire_version=r.questionnaire_version,
                language=r.language,
                submitted_at=r.submitted_at,
                country=r.country,
                region=r.region,
                respondent_type=r.respondent_type,
            )
            for r in db.session.scalars(select(Response))
        }
    seen = set()
    for row in rows:
        record = dict(zip(header, row, strict=True))
        rid = int(record["response_id"])
        seen.add(rid)
        key, answers = stored.submitted[rid]
        response = responses[rid]
        questionnaire = questionnaires[key]
        assert record["questionnaire"] == key
        assert record["version"] == str(response.questionnaire_version)
        assert record["language"] == response.language
        assert record["submitted_at"] == response.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert record["country"] == (response.country or "")
        assert record["region"] == (response.region or "")
        assert record["respondent_type"] == (response.respondent_type or "")
        for column in header[8:]:
            want = expected_value(questionnaire, answers, column, prefixed)
            if neutralised and not _numeric(questionnaire, column.removeprefix(f"{key}.")):
                want = safe(want)
            assert record[column] == want, (rid, column)
    assert seen == set(stored.submitted)
    assert not seen & set(stored.draft_ids), "drafts are never exported"


def _numeric(questionnaire: Questionnaire, column: str) -> bool:
    key, _dot, part = column.partition(".")
    try:
        question = questionnaire.question(key)
    except KeyError:
        return False
    if question.type == "number":
        return True
    return question.type in ("multiple_choice", "ranking") and part != OTHER_PART


def test_csv_wide_matches_the_database(app, runner, stored, tmp_path):
    out = export(runner, tmp_path, "csv")
    header, *rows = read_csv(out)
    check_wide(app, stored, header, rows, neutralised=True)
    codebook = read_csv(tmp_path / "responses.codebook.csv")
    assert codebook[0] == CODEBOOK_HEADER
    described = {row[0] for row in codebook[1:] if row[4] == ""}
    assert described == set(header), "the codebook describes every column"


def test_xlsx_wide_matches_the_database(app, runner, stored, tmp_path):
    out = export(runner, tmp_path, "xlsx")
    header, *rows = read_xlsx(out)
    check_wide(app, stored, header, rows, neutralised=False)
    codebook = read_xlsx(out, "codebook")
    assert codebook[0] == CODEBOOK_HEADER
    assert {row[0] for row in codebook[1:]} == set(header)


def test_xlsx_writes_text_as_strings_never_formulas(app, runner, stored, tmp_path):
    out = export(runner, tmp_path, "xlsx")
    workbook = openpyxl.load_workbook(out)  # not read-only: cell types are visible
    sheet = workbook["responses"]
    kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row if cell.value}
    assert "f" not in kinds
    assert kinds <= {"s", "n", "d"}
    header = [cell.value for cell in sheet[1]]
    by_column: dict[str, set] = {}
    formulas = []
    for row in sheet.iter_rows(min_row=2):
        for name, cell in zip(header, row, strict=True):
            if cell.value is None:
                continue
            by_column.setdefault(name, set()).add(type(cell.value))
            if isinstance(cell.value, str) and cell.value[0] in TRIGGERS:
                formulas.append(cell.value)
            if name == "submitted_at":
                assert cell.is_date and "yy" in cell.number_format and "hh" in cell.number_format
    # typed: a real date, numbers as numbers, text as text without an added apostrophe
    assert by_column["submitted_at"] == {datetime}
    assert by_column["response_id"] == by_column["version"] == {int}
    assert by_column["local-governments.hr_staff_number"] <= {int, float}
    assert by_column["local-governments.barriers.insufficient_funding"] == {int}
    assert by_column["local-governments.new_themes_top3.climate_justice"] == {int}
    assert by_column["local-governments.final_priority"] == {str}
    assert formulas, "text starting like a formula stays as typed (a string cell never runs)"
    assert not any(value.startswith("'") for value in formulas)


def test_json_wide_keeps_the_original_text(app, runner, stored, tmp_path):
    out = export(runner, tmp_path, "json")
    document = read_json(out)
    header = document["columns"]
    rows = [["" if r[c] is None else str(r[c]) for c in header] for r in document["rows"]]
    check_wide(app, stored, header, rows, neutralised=False)
    assert document["form"] == "wide" and document["kind"] == "responses"
    assert {entry["column"] for entry in document["codebook"]} == set(header)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_long_form_has_one_row_per_stored_value(app, runner, stored, tmp_path, fmt):
    out = export(runner, tmp_path, fmt, "--long")
    if fmt == "csv":
        header, *rows = read_csv(out)
    elif fmt == "xlsx":
        header, *rows = read_xlsx(out)
    else:
        document = read_json(out)
        header = document["columns"]
        rows = [["" if r[c] is None else str(r[c]) for c in header] for r in document["rows"]]
    assert header == [*FIXED, "question", "part", "column", "value"]
    got = sorted((int(r[0]), r[8], r[9], r[11]) for r in rows)
    neutral = fmt == "csv"
    # every value names its wide column: the questionnaire's own, or the fixed profile column
    named = {(r[1], r[8], r[9]): r[10] for r in rows}
    assert named[("partners", "country", "")] == "country"
    assert named[("local-governments", "institution_type", "")] == "respondent_type"
    assert named[("partners", "article_relevance", "art01")] == "partners.article_relevance.art01"
    wide_header = read_csv(export(runner, tmp_path, "csv"))[0]
    assert set(named.values()) <= set(wide_header)
    want = sorted(
        (rid, q, p, safe(v) if neutral else v)
        for rid, (_key, answers) in stored.submitted.items()
        for q, parts in answers.items()
        for p, v in parts.items()
    )
    assert got == want


def test_one_questionnaire_only(app, runner, stored, tmp_path):
    out = export(runner, tmp_path, "csv", "--questionnaire", "partners")
    header, *rows = read_csv(out)
    assert {row[1] for row in rows} == {"partners"}
    assert len(rows) == sum(1 for k, _a in stored.submitted.values() if k == "partners")
    lg_only = set(question_columns(QS(app)["local-governments"])) - set(
        question_columns(QS(app)["partners"])
    )
    assert not lg_only & set(header)


def test_personal_data_absent_by_default_and_present_when_asked(app, runner, stored, tmp_path):
    plain = export(runner, tmp_path, "csv")
    text = plain.read_text(encoding="utf-8-sig")
    assert "contact_email" not in text
    for name, email, _job in stored.contacts.values():
        assert email not in text and name not in text
    personal = tmp_path / "personal.json"
    result = runner.invoke(
        args=[
            "export",
            "responses",
            "--format",
            "json",
            "--with-personal-data",
            "--out",
            str(personal),
        ]
    )
    assert result.exit_code == 0, result.output
    rows = {r["response_id"]: r for r in read_json(personal)["rows"]}
    for rid, (name, email, job) in stored.contacts.items():
        assert (rows[rid]["contact_name"], rows[rid]["contact_email"]) == (name, email)
        assert rows[rid]["contact_job_title"] == job


def test_every_export_is_audited(app, runner, stored, tmp_path):
    export(runner, tmp_path, "csv")
    export(runner, tmp_path, "json", "--long", "--questionnaire", "partners")
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry.actor_email, AuditEntry.details)
            .where(AuditEntry.action == "export.responses")
            .order_by(AuditEntry.id)
        ).all()
    assert len(entries) == 2
    assert entries[1].details["long"] is True
    assert entries[1].details["questionnaire"] == "partners"
    assert entries[0].details["responses"] == len(stored.submitted)
    assert entries[0].actor_email == "command line"


def test_unicode_round_trips_byte_identical(app, runner, tmp_path):
    """Every tricky text comes back exactly (after the apostrophes, in CSV)."""
    from consult.db import writing
    from consult.questionnaires import operations

    questionnaire = QS(app)["local-governments"]
    long_key = next(
        q.key for q in questionnaire.questions if q.type == "long_text" and q.when is None
    )
    # PostgreSQL refuses NUL in text, so the control characters start at BEL.
    texts = [*TRICKY_TEXTS, "x" * 5000, "\u0007 control characters \u001f\u000b"]
    with app.app_context(), writing():
        for text in texts:
            response = operations.start_response(
                db.session, questionnaire, operations.new_resume_token(), "en"
            )
            operations.save_answers(
                db.session,
                questionnaire,
                response,
                {"institution_name": {"": text[:200]}, long_key: {"": text}},
            )
            operations.submit_response(db.session, questionnaire, response, "en")
        db.commit()
    csv_rows = read_csv(export(runner, tmp_path, "csv"))
    xlsx_rows = read_xlsx(export(runner, tmp_path, "xlsx"))
    json_doc = read_json(export(runner, tmp_path, "json"))
    # both questionnaires' columns are there (the newest version of each): prefixed
    long_key = f"local-governments.{long_key}"
    column = csv_rows[0].index(long_key)
    assert [r[column] for r in csv_rows[1:]] == [safe(t) for t in texts]
    assert [r[column] for r in xlsx_rows[1:]] == texts
    assert [r[long_key] for r in json_doc["rows"]] == texts
    name = csv_rows[0].index("local-governments.institution_name")
    assert [r[name] for r in csv_rows[1:]] == [safe(t[:200]) for t in texts]


def test_older_versions_use_their_stored_definition(make_app, tmp_path):
    """A response to version 1 keeps its columns when version 2 drops a question and adds one."""
    import shutil

    import yaml

    from consult.db import writing
    from consult.questionnaires import operations
    from tests.exports.conftest import store_responses

    first = make_app()
    old = store_responses(first, per_questionnaire=4)
    source = Path(first.config["QUESTIONNAIRES_PATH"])
    folder = tmp_path / "questionnaires-v2"
    shutil.copytree(source, folder)
    definition = yaml.safe_load((folder / "partners.yaml").read_text(encoding="utf-8"))
    definition["version"] = 3  # the shipped file is version 2
    last_section = definition["sections"][-1]
    dropped = last_section["questions"].pop()["key"]
    multiple = next(
        q for s in definition["sections"] for q in s["questions"] if q["type"] == "multiple_choice"
    )
    multiple["options"].append(
        {"key": "added_in_v2", "label": {"en": "New", "fr": "Nouveau", "es": "Nuevo"}}
    )
    last_section["questions"].append(
        {"key": "asked_in_v2", "type": "short_text", "label": multiple["label"]}
    )
    (folder / "partners.yaml").write_text(
        yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8"
    )
    second = make_app(instance=first.instance_path, QUESTIONNAIRES_PATH=str(folder))
    v2 = second.extensions[EXTENSION_KEY]["partners"]
    with second.app_context(), writing():
        response = operations.start_response(db.session, v2, operations.new_resume_token(), "fr")
        operations.save_answers(
            db.session,
            v2,
            response,
            {
                "organisation_type": {"": v2.question("organisation_type").options[0].key},
                multiple["key"]: {"added_in_v2": "1"},
                "asked_in_v2": {"": "=only in v2"},
            },
        )
        operations.submit_response(db.session, v2, response, "fr")
        new_id = response.id
        db.commit()
    out = tmp_path / "both.csv"
    result = second.test_cli_runner().invoke(
        args=[
            "export",
            "responses",
            "--format",
            "csv",
            "--questionnaire",
            "partners",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    header, *rows = read_csv(out)
    records = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows}
    assert {dropped, "asked_in_v2", f"{multiple['key']}.added_in_v2"} <= set(header)
    assert records[new_id]["version"] == "3"
    assert records[new_id]["asked_in_v2"] == "'=only in v2"
    assert records[new_id][f"{multiple['key']}.added_in_v2"] == "1"
    assert records[new_id][dropped] == ""
    for rid, (key, answers) in old.submitted.items():
        if key != "partners":
            continue
        record = records[rid]
        assert record["version"] == "2"
        assert record["asked_in_v2"] == ""
        assert record[f"{multiple['key']}.added_in_v2"] == ""  # not offered in version 1
        assert record[dropped] == safe(answers.get(dropped, {}).get("", ""))


def test_codebook_gives_scores_and_each_questionnaires_wording(app, runner, stored, tmp_path):
    """One question per column, scores of scale points, and every wording of a shared column."""
    header = read_csv(export(runner, tmp_path, "csv"))[0]
    codebook = read_csv(tmp_path / "responses.codebook.csv")
    entries = [dict(zip(CODEBOOK_HEADER, row, strict=True)) for row in codebook[1:]]
    questionnaires = QS(app)
    # a question column belongs to one questionnaire and one question, named after both
    owners = {
        e["column"]: (e["questionnaire"], e["question"])
        for e in entries
        if e["value"] == "" and e["type"] != "question wording"
    }
    for column in header[8:]:
        questionnaire, question = owners[column]
        assert column.startswith(f"{questionnaire}.{question}")
        wording = questionnaires[questionnaire].question(question).label["en"]
        described = next(e for e in entries if e["column"] == column and e["value"] == "")
        assert described["label_en"].startswith(wording)
    # both questionnaires ask article_relevance, with different wording: two columns
    lg, partners = "local-governments.article_relevance.art01", "partners.article_relevance.art01"
    assert {lg, partners} <= set(header)
    lg_label = next(e["label_en"] for e in entries if e["column"] == lg and e["value"] == "")
    p_label = next(e["label_en"] for e in entries if e["column"] == partners and e["value"] == "")
    assert lg_label != p_label
    # every scale point with a score carries it; "don't know" has none
    for questionnaire in questionnaires.values():
        question = questionnaire.question("article_relevance")
        column = f"{questionnaire.key}.article_relevance.art01"
        scores = {e["value"]: e["score"] for e in entries if e["column"] == column and e["value"]}
        assert scores == {
            point.key: ("" if point.score is None else str(int(point.score)))
            for point in question.scale
        }
        assert "" in scores.values() and "4" in scores.values()
    # a fixed column filled from a profile question gives its wording in every questionnaire
    for fixed, field in (("country", "country"), ("respondent_type", "respondent_type")):
        wordings = {
            e["questionnaire"]: (e["question"], e["label_fr"])
            for e in entries
            if e["column"] == fixed and e["type"] == "question wording"
        }
        assert set(wordings) == set(questionnaires)
        for key, (question, label_fr) in wordings.items():
            assert question == questionnaires[key].profile_fields[field]
            assert label_fr == questionnaires[key].question(question).label["fr"]
