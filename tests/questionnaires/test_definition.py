"""Questionnaire definitions: the shipped ones are valid; bad ones are refused with a path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from consult import create_app
from consult.cli import main as consult_main
from consult.questionnaires.definition import DefinitionError
from consult.questionnaires.parsing import definition_files, load_all, parse_definition

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


def shipped(key: str) -> dict:
    return yaml.safe_load((QUESTIONNAIRES / f"{key}.yaml").read_text(encoding="utf-8"))


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(raw, "test.yaml")
    return [f"{p.path}: {p.reason}" for p in caught.value.problems]


def test_both_questionnaires_are_valid_and_sized_as_asked():
    questionnaires = load_all(definition_files(QUESTIONNAIRES))
    assert set(questionnaires) == {"local-governments", "partners"}
    for questionnaire in questionnaires.values():
        assert 25 <= len(questionnaire.questions) <= 40
        relevance = questionnaire.question("article_relevance")
        assert [row.key for row in relevance.rows] == [f"art{n:02d}" for n in range(1, 13)]
        assert relevance.is_ordinal
        types = {q.type for q in questionnaire.questions}
        assert {"single_choice", "multiple_choice", "matrix", "ranking", "long_text"} <= types


def test_unknown_key_is_reported_with_its_path():
    raw = shipped("partners")
    raw["sections"][2]["questions"][1]["colour"] = "blue"
    assert "sections[2].questions[1].colour: unknown key" in problems_of(raw)


def test_duplicate_question_key_is_refused():
    raw = shipped("partners")
    raw["sections"][1]["questions"].append(copy.deepcopy(raw["sections"][0]["questions"][0]))
    assert any("duplicate question key 'organisation_type'" in p for p in problems_of(raw))


def test_duplicate_option_key_is_reported_at_the_option():
    raw = shipped("local-governments")
    options = raw["sections"][0]["questions"][3]["options"]
    options[1]["key"] = options[0]["key"]
    assert any(
        p.startswith("sections[0].questions[3].options[1].key: duplicate") for p in problems_of(raw)
    )


def test_condition_on_a_later_question_is_refused():
    raw = shipped("local-governments")
    raw["sections"][0]["questions"][0]["when"] = {"question": "final_comments", "equals": "yes"}
    assert (
        "sections[0].questions[0].when.question: 'final_comments' is not an earlier question"
        in problems_of(raw)
    )


def test_condition_on_an_unknown_option_is_refused():
    raw = shipped("local-governments")
    raw["sections"][1]["questions"][1]["when"]["contains"] = "no_such_option"
    assert any(p.startswith("sections[1].questions[1].when.contains") for p in problems_of(raw))


def test_missing_translation_is_refused():
    raw = shipped("partners")
    del raw["sections"][3]["questions"][0]["label"]["es"]
    assert "sections[3].questions[0].label.es: missing translation" in problems_of(raw)


def test_yaml_duplicate_mapping_key_is_refused(tmp_path: Path):
    text = (QUESTIONNAIRES / "partners.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "partners.yaml"
    broken.write_text(text.replace("version: 2\n", "version: 2\nversion: 3\n", 1), encoding="utf-8")
    with pytest.raises(DefinitionError, match="duplicate key 'version'"):
        load_all([broken])


def test_check_command_reports_problems_and_exits_non_zero(tmp_path: Path, capsys):
    raw = shipped("partners")
    raw["sections"][0]["questions"][0]["type"] = "slider"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        consult_main_args(["questionnaires", "check", str(bad)])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert f"{bad}: sections[0].questions[0].type: unknown type 'slider'" in err


def test_check_command_accepts_the_shipped_files(capsys):
    with pytest.raises(SystemExit) as exited:
        consult_main_args(["questionnaires", "check"])
    assert exited.value.code == 0
    assert "ok: local-governments version 2" in capsys.readouterr().out


def consult_main_args(args: list[str]) -> None:
    import sys

    saved = sys.argv
    sys.argv = ["consult", *args]
    try:
        consult_main()
    finally:
        sys.argv = saved


def test_app_refuses_to_start_on_an_invalid_definition(tmp_path: Path):
    raw = shipped("partners")
    raw["sections"][0]["title"] = {"en": "Profile"}
    (tmp_path / "partners.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"sections\[0\]\.title\.fr: missing translation"):
        create_app(
            {
                "QUESTIONNAIRES_PATH": str(tmp_path),
                "SECRET_KEY": "x" * 32,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )


def test_a_version_with_responses_is_frozen(make_app, tmp_path: Path, respondent_factory):
    from consult.cli import init_database
    from consult.questionnaires.versions import FrozenVersionError

    folder = tmp_path / "defs"
    folder.mkdir()
    raw = shipped("partners")
    (folder / "partners.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    app = make_app(QUESTIONNAIRES_PATH=str(folder))
    respondent_factory(app.test_client(), "partners").start()

    new_option = {
        "key": "foundation",
        "label": {"en": "Foundation", "fr": "Fondation", "es": "Fundación"},
    }
    raw["sections"][0]["questions"][0]["options"].append(new_option)  # structural, same version
    (folder / "partners.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    changed = make_app(instance=app.instance_path, init=False, QUESTIONNAIRES_PATH=str(folder))
    with changed.app_context(), pytest.raises(FrozenVersionError, match="raise `version`"):
        init_database(changed)

    raw["version"] += 1
    (folder / "partners.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    bumped = make_app(instance=app.instance_path, init=False, QUESTIONNAIRES_PATH=str(folder))
    with bumped.app_context():
        assert f"loaded partners version {raw['version']}" in init_database(bumped)


def test_label_corrections_do_not_need_a_new_version(make_app, tmp_path: Path, respondent_factory):
    from consult.cli import init_database

    folder = tmp_path / "defs"
    folder.mkdir()
    raw = shipped("partners")
    (folder / "partners.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    app = make_app(QUESTIONNAIRES_PATH=str(folder))
    respondent_factory(app.test_client(), "partners").start()
    raw["title"]["en"] = "A corrected title"
    (folder / "partners.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    corrected = make_app(instance=app.instance_path, init=False, QUESTIONNAIRES_PATH=str(folder))
    with corrected.app_context():
        assert "updated texts of partners version 2" in init_database(corrected)
