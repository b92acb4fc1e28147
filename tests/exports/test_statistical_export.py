"""SPSS and Stata files: read back with pyreadstat, every value and label equal to the CSV's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from consult.exports.codebook import CODEBOOK_HEADER
from consult.exports.statistical import LIMITS
from consult.staff.exporting import wait_for_jobs
from tests.exports.test_responses_export import TRIGGERS, export, read_csv

READERS = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}


def unneutralised(value: str) -> str:
    """The text a CSV cell holds, without the apostrophe that protects spreadsheets."""
    if value[:1] == "'" and value[1:2] in TRIGGERS:
        return value[1:]
    return value


def codebook_of(path: Path) -> tuple[dict[str, str], dict[tuple[str, str], list[str]]]:
    """Return (column -> variable, (column, code) -> [score, label_en, label_fr, label_es])."""
    rows = read_csv(path)
    assert rows[0] == ["variable", *CODEBOOK_HEADER]
    variables = {row[1]: row[0] for row in rows[1:]}
    codes = {(row[1], row[5]): [row[6], *row[7:]] for row in rows[1:] if row[5]}
    return variables, codes


@pytest.mark.parametrize("fmt", ["sav", "dta"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_labelled_files_hold_the_csv_values_and_labels(
    app, runner, stored, tmp_path, fmt, language
):
    header, *rows = read_csv(export(runner, tmp_path, "csv"))
    out = export(runner, tmp_path, fmt, "--labels", language)
    variables, codes = codebook_of(tmp_path / f"responses.{fmt}.codebook.csv")
    label_at = 2 + ("en", "fr", "es").index(language)
    frame, meta = READERS[fmt](str(out), user_missing=True)
    assert len(frame) == len(rows)
    # names valid in both programs, unique, one per export column, in the same order
    names = [variables[column] for column in header]
    assert list(frame.columns) == names
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,27}", name) for name in names)
    assert len({name.lower() for name in names}) == len(names)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    value_labels = meta.variable_value_labels
    assert labels["submitted_at"].startswith("Submitted at" if language == "en" else "Envoyée le")
    checked = {"coded": 0, "scored": 0, "missing": 0, "number": 0, "text": 0, "date": 0}
    for index, row in enumerate(rows):
        for column, cell, name in zip(header, row, names, strict=True):
            value = frame[name].iloc[index]
            empty = value is None or (isinstance(value, float) and pd.isna(value)) or value == ""
            if cell == "":
                assert empty or value is pd.NaT, (column, value)
                continue
            if column == "submitted_at":
                assert value.strftime("%Y-%m-%dT%H:%M:%SZ") == cell
                checked["date"] += 1
            elif (column, cell) in codes and name in value_labels:
                score, *texts = codes[(column, cell)]
                # a coded value carries the codebook's label for the CSV's key
                assert_fitted(
                    value_labels[name][value], texts[label_at - 2], fmt, LIMITS[fmt]["value"]
                )
                if score:
                    assert value == float(score), (column, cell)  # a matrix row holds its score
                    checked["scored"] += 1
                elif isinstance(value, str) or (fmt == "sav" and value >= 98):
                    checked["missing"] += 1  # don't know: missing, but labelled
                else:
                    checked["coded"] += 1
            elif name in value_labels or re.fullmatch(r"-?\d+(\.\d+)?", cell):
                assert float(value) == float(cell), (column, cell, value)
                checked["number"] += 1
            else:
                want = unneutralised(cell)
                if fmt == "sav":
                    want = want.rstrip(" ")  # SPSS pads strings: trailing spaces do not survive
                assert value == want, (column, cell, value)
                checked["text"] += 1
    assert all(checked.values()), checked
    if fmt == "sav":
        assert any(meta.missing_ranges.values()), "don't know is a declared missing value"
    else:
        assert any(meta.missing_user_values.values())
    # every question column's variable label is its wording, in the language asked for
    codebook = read_csv(tmp_path / f"responses.{fmt}.codebook.csv")
    wording = {
        row[1]: row[label_at + 5]
        for row in codebook[1:]
        if row[5] == "" and row[4] != "question wording"
    }
    cut = 0
    for column, name in zip(header, names, strict=True):
        cut += assert_fitted(labels[name], wording[column], fmt, LIMITS[fmt]["variable"])
    if fmt == "dta":
        assert cut, "some wordings pass Stata's 80 characters: the check above has work to do"


def assert_fitted(label: str, full: str, fmt: str, limit: int) -> bool:
    """The label is the full text, or its start ending with … within the limit; tell if cut."""
    size = len(label.encode("utf-8")) if fmt == "sav" else len(label)
    assert size <= limit, (label, limit)
    if label == full:
        return False
    assert label.endswith("…") and full.startswith(label[:-1]), (label, full)
    return True


def test_long_form_is_refused_for_statistical_files(runner, stored, tmp_path):
    result = runner.invoke(
        args=["export", "responses", "--format", "sav", "--long", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code != 0 and "wide form" in result.output


def test_analyst_downloads_a_stata_file_and_its_codebook_from_the_workspace(app, login, stored):
    client = app.test_client()
    login(client, "analyst")
    page = client.get("/staff/exports?lang=es").get_data(as_text=True)
    assert 'value="dta"' in page and 'value="sav"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    refused = client.post(
        "/staff/exports", data={"csrf_token": token, "format": "sav", "long": "y"}
    )
    # refused with the form kept, in the page's language
    assert refused.status_code == 422
    assert "desmarque la forma larga" in refused.get_data(as_text=True)
    reply = client.post("/staff/exports", data={"csrf_token": token, "format": "dta"})
    assert reply.status_code == 303
    wait_for_jobs(app)
    job = client.get(reply.location).get_data(as_text=True)
    links = re.findall(r'href="(/staff/exports/\d+/download/\d)"', job)
    assert len(links) == 2, job  # the file and its codebook
    with client.get(links[0]) as response:
        assert response.status_code == 200
        assert (
            response.headers["Content-Disposition"].endswith('.dta"')
            or ".dta" in (response.headers["Content-Disposition"])
        )
        path = Path(app.instance_path) / "downloaded.dta"
        path.write_bytes(response.get_data())
    frame, meta = pyreadstat.read_dta(str(path))
    assert len(frame) == len(stored.submitted)
    # labelled in the language of the page the export was asked from
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["response_id"] == "Número de la respuesta"


NAME_CASES = [
    # (column names, prefixed, the variable names)
    (
        ["in", "long", "to", "by", "with", "str12", "strL", "_n"],
        False,
        ["v_in", "v_long", "v_to", "v_by", "v_with", "v_str12", "v_strL", "v__n"],
    ),
    (["local-governments.in", "partners.to"], True, ["lg_in", "p_to"]),
    (
        ["q" * 40, "q" * 40 + "x", "q" * 26 + "_2"],
        False,
        ["q" * 28, "q" * 26 + "_2", "q" * 26 + "_3"],
    ),
    (["2025_budget", "Adopted", "adopted"], False, ["v_2025_budget", "Adopted", "adopted_2"]),
]


@pytest.mark.parametrize(("columns", "prefixed", "names"), NAME_CASES)
def test_every_question_key_makes_a_name_both_programs_accept(tmp_path, columns, prefixed, names):
    """A key that is a reserved word ("in", "long", "to"), too long for Stata, or clashing
    after the cut gets a name that SPSS and Stata accept: ReadStat refuses the whole file
    otherwise."""
    from consult.exports.codebook import Column
    from consult.exports.statistical import variable_names

    made = variable_names(
        [
            Column(name, {"en": name}, "number", questionnaire_key=name.partition(".")[0])
            if "." in name
            else Column(name, {"en": name}, "number")
            for name in columns
        ],
        prefixed,
    )
    assert made == names
    frame = pd.DataFrame({name: [1.0] for name in made})
    for fmt, write in (("sav", pyreadstat.write_sav), ("dta", pyreadstat.write_dta)):
        write(frame, str(tmp_path / f"names.{fmt}"))
        assert list(READERS[fmt](str(tmp_path / f"names.{fmt}"))[0].columns) == made
