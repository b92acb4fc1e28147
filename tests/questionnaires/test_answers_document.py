"""A draft's answers are its answers document, and it has no Answer rows; a submitted response's
document always equals its rows: after the pruning at submission, edits after submission, any
sequence of saves. Backfilled by migration 0500, drafts moved by 0600; the export reads the
rows when a response has no document."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text, update

from consult.db import db, writing
from consult.questionnaires import documents, operations, page_writes, versions
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.schema import alembic_config
from tests.exports.synthetic import random_answers
from tests.questionnaires.test_respond import ARTICLES, PROFILE, fill_required


def rows_and_documents(app) -> dict[int, tuple[dict, dict | None]]:
    """Response id -> (its answers as the rows hold them, its document decoded)."""
    with app.app_context():
        definitions = versions.stored_definitions(db.session.connection())
        found: dict[int, tuple[dict, dict | None]] = {}
        for rid, version_id, document in db.session.execute(
            select(Response.id, Response.version_id, Response.answers_document)
        ):
            found[rid] = (
                {},
                None if document is None else documents.decode(definitions[version_id], document),
            )
        for rid, question_key, part_key, value in db.session.execute(
            select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value)
        ):
            found[rid][0].setdefault(question_key, {})[part_key] = value
        return found


def statuses(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Response.id, Response.status)).all())


def assert_in_step(app) -> None:
    """Every submitted response's document equals its rows; no draft has rows."""
    status = statuses(app)
    for rid, (rows, document) in rows_and_documents(app).items():
        if status[rid] == "submitted":
            assert document == rows, f"response {rid}: document and answer rows differ"
        else:
            assert rows == {}, f"draft {rid} has answer rows"
            assert document is not None, f"draft {rid} has no document"


def only_response(app) -> tuple[dict, dict | None]:
    (found,) = rows_and_documents(app).values()
    return found


def test_every_page_saved_on_a_draft_goes_to_its_document_alone(app, respondent):
    respondent.start()
    assert_in_step(app)  # a fresh draft: an empty document
    assert only_response(app)[1] == {}
    assert respondent.save("profile", PROFILE).status_code == 303
    assert_in_step(app)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.save("charter_experience", {"q.charter_impact": "great_extent"})
    respondent.save("articles", ARTICLES)
    assert_in_step(app)
    # edits: a changed value, a cleared text, a changed matrix row
    respondent.save("profile", {**PROFILE, "q.institution_name": "CDMX ✓ =1+1"})
    respondent.save("articles", {**ARTICLES, "q.article_relevance.art03": "not_relevant"})
    assert_in_step(app)
    rows, document = only_response(app)
    assert rows == {}
    assert document["institution_name"] == {"": "CDMX ✓ =1+1"}
    assert document["article_relevance"]["art03"] == "not_relevant"
    assert document["charter_impact"] == {"": "great_extent"}
    # Submitting writes the rows: exactly the document's answers.
    respondent.save("commitments", {"q.charter_2011_adopted": "no"})
    assert respondent.submit().status_code == 303
    assert_in_step(app)
    rows, document = only_response(app)
    assert rows["institution_name"] == {"": "CDMX ✓ =1+1"} and "charter_impact" not in rows


def test_a_page_saved_on_a_response_without_a_usable_document_reads_its_rows(app, respondent):
    """Saving reads the answers from the document; without one (NULL, or another version's
    layout: answers written by other means) it reads the rows, and the save writes a document
    in step again."""
    respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    for broken in (None, documents.ROW_MARK + "partners/99" + documents.SEPARATOR):
        with app.app_context(), writing():
            db.session.execute(update(Response).values(answers_document=broken))
            db.commit()
        reply = respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
        assert reply.status_code == 303, reply.get_data(as_text=True)
        assert_in_step(app)
        rows, document = only_response(app)
        assert document["institution_name"] == {"": PROFILE["q.institution_name"]}
        assert document["charter_2011_adopted"] == {"": "yes"}
        assert "article_relevance" in document


def test_a_draft_written_by_other_means_is_read_from_its_rows(app, respondent):
    """A draft with rows and no document (an import, or one from before revision 0600): a
    save reads the rows, and its document then holds them with the new page."""
    respondent.start()
    with app.app_context(), writing():
        (rid,) = db.session.scalars(select(Response.id)).all()
        db.session.execute(update(Response).values(answers_document=None))
        db.session.add(Answer(response_id=rid, question_key="institution_name", value="Rosario"))
        db.commit()
    assert respondent.page("profile").status_code == 200
    assert "Rosario" in respondent.page("profile").get_data(as_text=True)
    assert respondent.save("articles", ARTICLES).status_code == 303
    _rows, document = only_response(app)
    assert document["institution_name"] == {"": "Rosario"}
    assert len(document["article_relevance"]) == 12


@pytest.mark.sqlite_only
def test_a_page_larger_than_one_upsert_statement_is_written_whole(app, respondent, monkeypatch):
    """SQLite writes the changed parts in statements of a bounded number of rows."""
    monkeypatch.setattr(page_writes, "_UPSERT_ROWS_SQLITE", 4)
    respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    changed = {name: "not_relevant" for name in ARTICLES if ".article_relevance." in name}
    assert respondent.save("articles", {**ARTICLES, **changed}).status_code == 303
    assert_in_step(app)
    rows, _document = only_response(app)
    # twelve changed rows: three statements of four rows
    assert set(rows["article_relevance"].values()) == {"not_relevant"}
    assert len(rows["article_relevance"]) == 12


def test_pruning_hidden_answers_at_submit_keeps_the_document_in_step(app, respondent):
    respondent.start()
    fill_required(respondent)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.save("charter_experience", {"q.charter_impact": "great_extent"})
    respondent.save("commitments", {"q.charter_2011_adopted": "no"})
    # Pruned by the save that made it inapplicable, by the rule submission applies.
    assert "charter_impact" not in next(iter(rows_and_documents(app).values()))[1]
    respondent.submit()
    assert_in_step(app)
    rows, document = next(iter(rows_and_documents(app).values()))
    assert "charter_impact" not in document and "charter_impact" not in rows


def test_an_edit_after_submission_that_makes_answers_inapplicable_removes_their_rows(
    app, respondent
):
    respondent.start()
    fill_required(respondent)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.save("charter_experience", {"q.charter_impact": "great_extent"})
    respondent.submit()
    assert "charter_impact" in next(iter(rows_and_documents(app).values()))[0]
    respondent.save("commitments", {"q.charter_2011_adopted": "no"}, action="save")
    assert_in_step(app)
    rows, document = next(iter(rows_and_documents(app).values()))
    assert "charter_impact" not in document and "charter_impact" not in rows


def test_edits_after_submission_keep_the_document_in_step(app, respondent):
    respondent.start()
    fill_required(respondent)
    respondent.submit()
    respondent.save("profile", {**PROFILE, "q.institution_name": "Ciudad de México 2"})
    assert_in_step(app)
    respondent.submit()
    assert_in_step(app)
    assert next(iter(rows_and_documents(app).values()))[1]["institution_name"] == {
        "": "Ciudad de México 2"
    }


def test_random_saves_clears_and_submissions_keep_every_document_in_step(app):
    """Any sequence of saves (whole questions, cleared ones, fewer options) then submission."""
    rng = random.Random(500)
    with app.app_context(), writing():
        for _key, questionnaire in sorted(current_questionnaires().items()):
            for _ in range(6):
                response = operations.start_response(
                    db.session, questionnaire, operations.new_resume_token(), "en"
                )
                for _round in range(4):
                    answers = random_answers(questionnaire, rng)
                    chosen = rng.sample(sorted(answers), k=max(1, len(answers) // 2))
                    page = {question: answers[question] for question in chosen}
                    for question in rng.sample(chosen, k=min(2, len(chosen))):
                        page[question] = {}  # cleared
                    operations.save_answers(db.session, questionnaire, response, page)
                if rng.random() < 0.7:
                    operations.submit_response(db.session, questionnaire, response, "fr")
        db.commit()
    found = rows_and_documents(app)
    assert len(found) == 12 and all(document is not None for _rows, document in found.values())
    assert_in_step(app)


def test_the_wide_export_is_the_same_whatever_form_the_documents_take(app, runner, tmp_path):
    """Row form, JSON form, or none at all (answers written by other means): same export."""
    from tests.exports.conftest import store_responses

    store_responses(app, per_questionnaire=4)

    def export(name: str) -> bytes:
        out = tmp_path / name
        result = runner.invoke(args=["export", "responses", "--format", "csv", "--out", str(out)])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    row_form = export("row-form.csv")
    found = rows_and_documents(app)
    with app.app_context(), writing():
        for rid, (rows, _document) in found.items():
            if rid % 2:
                json_form = json.dumps(rows, ensure_ascii=False)
                db.session.execute(
                    update(Response).where(Response.id == rid).values(answers_document=json_form)
                )
        db.commit()
    assert export("json-form.csv") == row_form
    with app.app_context(), writing():
        db.session.execute(update(Response).values(answers_document=None))
        db.commit()
    assert export("from-rows.csv") == row_form


def _insert_version(connection, questionnaire) -> None:
    """Store ``questionnaire`` as questionnaire version row 1, as an old database holds it."""
    connection.execute(
        text(
            "INSERT INTO questionnaire_versions (id, key, version, checksum, definition, "
            "loaded_at) VALUES (1, :key, :version, 'x', :definition, '2022-01-01 00:00:00')"
        ),
        {
            "key": questionnaire.key,
            "version": questionnaire.version,
            "definition": json.dumps(dict(questionnaire.raw)),
        },
    )


def _insert_response(connection, questionnaire, rid: int, status: str, document=None) -> None:
    connection.execute(
        text(
            "INSERT INTO responses (id, questionnaire_key, questionnaire_version, version_id, "
            "resume_token_hash, status, language, started_at, updated_at, is_demo"
            + (", answers_document" if document is not None else "")
            + ") VALUES (:id, :key, :version, 1, :token, :status, 'en', "
            "'2022-01-01 00:00:00', '2022-01-01 00:00:00', 0"
            + (", :document" if document is not None else "")
            + ")"
        ),
        {
            "id": rid,
            "key": questionnaire.key,
            "version": questionnaire.version,
            "token": f"{rid:064x}",
            "status": status,
            "document": document,
        },
    )


def _insert_answers(connection, given: dict[int, dict]) -> None:
    connection.execute(
        text(
            "INSERT INTO answers (response_id, question_key, part_key, value) "
            "VALUES (:r, :q, :p, :v)"
        ),
        [
            {"r": rid, "q": key, "p": part, "v": value}
            for rid, answers in given.items()
            for key, parts in answers.items()
            for part, value in parts.items()
        ],
    )


def test_migration_0500_backfills_every_response_from_its_rows(tmp_path: Path):
    """Responses answered before the documents existed get theirs when the database upgrades."""
    partners = current_questionnaires_from_files()["partners"]
    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0200")
    engine = create_engine(url)
    rng = random.Random(200)
    given = {rid: random_answers(partners, rng) for rid in (1, 3)}
    given[2] = {}
    given[3]["odd"] = {"": "a part the definition lacks"}  # kept, in the JSON form
    with engine.begin() as connection:
        _insert_version(connection, partners)
        for rid in (1, 2, 3):
            _insert_response(connection, partners, rid, "submitted")
        _insert_answers(connection, given)
    command.upgrade(config, "0500")
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, answers_document FROM responses")).all())
    engine.dispose()
    assert stored[1].startswith(documents.ROW_MARK) and stored[3].startswith("{")
    assert {rid: documents.decode(partners, doc) for rid, doc in stored.items()} == given
    assert stored[1] == documents.encode(partners, given[1])


def test_migration_0600_moves_drafts_to_their_documents_and_back(tmp_path: Path):
    """Drafts lose their rows for a document that holds them; submitted responses keep theirs;
    downgrading gives the drafts their rows back."""
    partners = current_questionnaires_from_files()["partners"]
    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0500")
    engine = create_engine(url)
    rng = random.Random(600)
    given = {rid: random_answers(partners, rng) for rid in (1, 2, 3)}
    with engine.begin() as connection:
        _insert_version(connection, partners)
        _insert_response(connection, partners, 1, "draft", documents.encode(partners, given[1]))
        _insert_response(connection, partners, 2, "draft")  # rows only: written by other means
        _insert_response(connection, partners, 3, "submitted", documents.encode(partners, given[3]))
        _insert_answers(connection, given)

    def state() -> tuple[dict[int, dict], dict[int, dict]]:
        with engine.connect() as connection:
            query = text("SELECT id, answers_document FROM responses")
            docs = dict(connection.execute(query).all())
            rows: dict[int, dict] = {rid: {} for rid in docs}
            for rid, key, part, value in connection.execute(
                text("SELECT response_id, question_key, part_key, value FROM answers")
            ):
                rows[rid].setdefault(key, {})[part] = value
        return {rid: documents.decode(partners, doc) for rid, doc in docs.items()}, rows

    command.upgrade(config, "0600")
    decoded, rows = state()
    assert decoded == given
    assert rows == {1: {}, 2: {}, 3: given[3]}
    command.downgrade(config, "0500")
    decoded, rows = state()
    assert decoded == given and rows == given
    engine.dispose()


def current_questionnaires_from_files():
    """The shipped questionnaire definitions, without an app."""
    from consult.config import Defaults
    from consult.questionnaires.parsing import definition_files, load_all

    return load_all(definition_files(Path(Defaults.QUESTIONNAIRES_PATH)))


def test_documents_can_be_rebuilt_from_the_rows_after_a_fix_in_sql(app, runner):
    from tests.exports.conftest import store_responses

    store_responses(app, per_questionnaire=3)
    with app.app_context(), writing():
        # a data fix straight in SQL: the rows change, the documents do not
        db.session.execute(
            update(Answer).where(Answer.question_key == "country").values(value="FR")
        )
        db.session.execute(update(Response).where(Response.id == 1).values(answers_document=None))
        db.commit()
    stale = [rid for rid, (rows, doc) in rows_and_documents(app).items() if doc != rows]
    assert len(stale) > 1
    result = runner.invoke(args=["questionnaires", "rebuild-documents", "--missing-only"])
    assert result.output.strip() == "rebuilt the answers document of 1 responses"
    # A draft's document is its answers: the full rebuild leaves it alone.
    drafts = {rid for rid, status in statuses(app).items() if status == "draft"}
    drafts = {rid: doc for rid, (_rows, doc) in rows_and_documents(app).items() if rid in drafts}
    result = runner.invoke(args=["questionnaires", "rebuild-documents"])
    assert result.exit_code == 0 and "of 6 responses" in result.output
    assert_in_step(app)
    assert len(drafts) == 2 and all(drafts.values())
    assert {rid: rows_and_documents(app)[rid][1] for rid in drafts} == drafts


def test_the_row_form_gives_back_exactly_the_answers_for_any_answers():
    rng = random.Random(7)
    for questionnaire in current_questionnaires_from_files().values():
        for _ in range(200):
            answers = random_answers(questionnaire, rng)
            document = documents.encode(questionnaire, answers)
            assert document.startswith(documents.document_layout(questionnaire).tag)
            assert documents.decode(questionnaire, document) == answers


def test_multiple_choice_options_are_1_or_0_once_answered_and_empty_otherwise():
    questionnaire = current_questionnaires_from_files()["local-governments"]
    question = next(q for q in questionnaire.questions if q.type == "multiple_choice" and q.other)
    layout = documents.document_layout(questionnaire)
    chosen = question.options[0].key
    cells = documents.encode(questionnaire, {question.key: {chosen: "1"}}).split("\x1f")[1:]
    values = {part: cells[layout.index[part]] for part in layout.parts if part[0] == question.key}
    assert values[(question.key, chosen)] == "1"
    assert {values[(question.key, o.key)] for o in question.options[1:]} == {"0"}
    assert values[(question.key, "other")] == ""
    only_other = documents.encode(questionnaire, {question.key: {"other": "Care"}})
    assert documents.decode(questionnaire, only_other) == {question.key: {"other": "Care"}}
    empty = documents.encode(questionnaire, {})
    assert set(empty.split("\x1f")[1:]) == {""} and documents.decode(questionnaire, empty) == {}


def test_answers_the_row_form_cannot_hold_are_kept_in_the_json_form():
    questionnaire = current_questionnaires_from_files()["partners"]
    text_question = next(q for q in questionnaire.questions if q.type == "long_text")
    unusual = [
        {text_question.key: {"": "a unit\x1fseparator"}},
        {text_question.key: {"": "\x1estarts like a row"}},
        {"not_a_question": {"": "kept anyway"}},
        {text_question.key: {"": ""}},
    ]
    for answers in unusual:
        document = documents.encode(questionnaire, answers)
        assert document.startswith("{")
        assert documents.decode(questionnaire, document) == answers


def test_a_row_form_of_another_version_is_refused():
    questionnaires = current_questionnaires_from_files()
    document = documents.encode(questionnaires["partners"], {})
    with pytest.raises(documents.DocumentError):
        documents.decode(questionnaires["local-governments"], document)


def test_free_values_are_stored_spreadsheet_safe_and_decoded_exactly():
    questionnaire = current_questionnaires_from_files()["local-governments"]
    layout = documents.document_layout(questionnaire)
    text_key = next(q.key for q in questionnaire.questions if q.type == "short_text")
    number_key = next(q.key for q in questionnaire.questions if q.type == "number")

    def stored_cell(answers, key):
        cells = documents.encode(questionnaire, answers).split(documents.SEPARATOR)
        return cells[0], cells[1 + layout.index[(key, "")]]

    assert stored_cell({text_key: {"": "=1+1"}}, text_key) == (layout.tag, "'=1+1")
    assert stored_cell({number_key: {"": "-5"}}, number_key) == (layout.tag, "-5")
    # a value that itself begins with an apostrophe marks the document (the export looks)
    assert stored_cell({text_key: {"": "'quoted"}}, text_key) == (
        layout.tag + documents.QUOTED,
        "''quoted",
    )
    for value in ("=1+1", "'quoted", "''", "@x", "\tx", "-x", "plain"):
        answers = {text_key: {"": value}, number_key: {"": "-5"}}
        assert documents.decode(questionnaire, documents.encode(questionnaire, answers)) == answers


def test_the_export_shows_every_free_value_as_given_or_neutralised(app, runner, tmp_path):
    """CSV neutralises formulas and keeps a leading apostrophe as typed; JSON keeps the text."""
    import csv as csv_module

    questionnaire = current_questionnaires_from_files()["partners"]
    text_key = next(
        q.key
        for q in questionnaire.questions
        if q.type == "long_text"
        and q.when is None
        and getattr(questionnaire.section(q.section_key), "when", None) is None
    )
    values = ["'quoted", "=SUM(A1)", "plain", "''twice"]
    with app.app_context(), writing():
        loaded = current_questionnaires()["partners"]
        for value in values:
            response = operations.start_response(
                db.session, loaded, operations.new_resume_token(), "en"
            )
            operations.save_answers(db.session, loaded, response, {text_key: {"": value}})
            operations.submit_response(db.session, loaded, response, "en")
        db.commit()
    out = tmp_path / "r.csv"
    assert runner.invoke(args=["export", "responses", "--format", "csv", "--out", str(out)])
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv_module.reader(handle))
    # an export of both questionnaires names each question column after its questionnaire
    text_key = f"partners.{text_key}"
    column = rows[0].index(text_key)
    assert [row[column] for row in rows[1:]] == ["'quoted", "'=SUM(A1)", "plain", "''twice"]
    out = tmp_path / "r.json"
    assert runner.invoke(args=["export", "responses", "--format", "json", "--out", str(out)])
    exported = [row[text_key] for row in json.loads(out.read_text(encoding="utf-8"))["rows"]]
    assert exported == values
    # XLSX string cells never run as formulas: the text as given, like JSON
    import openpyxl

    out = tmp_path / "r.xlsx"
    assert runner.invoke(args=["export", "responses", "--format", "xlsx", "--out", str(out)])
    workbook = openpyxl.load_workbook(out, read_only=True)
    table = list(workbook["responses"].iter_rows(values_only=True))
    workbook.close()  # read-only mode keeps the file open until closed
    column = list(table[0]).index(text_key)
    assert [row[column] for row in table[1:]] == values
