"""Labelled statistical files of the responses export: SPSS (.sav) and Stata (.dta).

R reads both with haven (`haven::read_sav`, `haven::read_dta`), keeping the labels as
`labelled` vectors. Each file holds the wide form, one row per submitted response, with:

- **variable labels**: the question's wording (and the row or option it is about), in the
  language asked for; longer than the format allows (Stata: 80 characters; SPSS: 255 bytes,
  and 120 for a value label) a label is cut and ends with "…": the codebook beside holds
  every label whole;
- **value labels** on every coded column: a choice, yes/no, region, language, questionnaire
  or type of respondent is a number 1, 2, ... in the definition's order, labelled; a matrix
  row is its scale point's **score** (so that means are right) and the points without a score
  ("don't know") are missing values of their own, labelled: user-missing 99, 98, ... in SPSS,
  `.a`, `.b`, ... in Stata; a multiple choice option is 1/0 and a ranking option its rank;
- numbers as numbers, `submitted_at` as a date-time (UTC), the country as its ISO code, text
  as text (verbatim: these formats have no formulas; SPSS pads text with spaces, so a text's
  trailing spaces do not survive in a .sav file).

Variable names follow both programs' rules (letters, digits, `_`, at most 28 characters,
unique): `.` and `-` become `_`, and a combined export's questionnaire prefix becomes the
initials of its key (`local-governments.barriers.data` -> `lg_barriers_data`). The codebook
written beside the file (`PATH.codebook.csv`) maps every variable to its export column.

The library is pyreadstat (the Python binding of ReadStat, the C library behind R's haven):
one well-kept dependency writes both formats with variable labels, value labels and user
missing values, and reads them back for the tests. It writes from a data frame, so this
export holds the table in memory (about 30 bytes per cell), unlike the streaming CSV/XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from consult.exports.codebook import CODEBOOK_HEADER, CodebookEntry, Column
from consult.exports.writers import _atomic, codebook_path, excel_moment, write_csv_rows

FORMATS = ("sav", "dta")
#: Stata allows 32 characters, but pyreadstat names each value label set after its variable
#: followed by the set's number, and Stata refuses a set name over 32: 28 leaves room for
#: 9,999 labelled variables. SPSS allows longer names; one set of names serves both.
NAME_LENGTH = 28
#: Label limits: Stata counts characters, SPSS bytes of UTF-8.
LIMITS = {
    "dta": {"variable": 80, "value": 32_000},
    "sav": {"variable": 255, "value": 120},
}
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_]")
#: Names the programs keep for themselves (Stata's reserved words, str1-str2045 and strL; SPSS's
#: ALL, AND, BY, ...): a question keyed "in", "long" or "to" would make ReadStat refuse the
#: whole file. Compared in lower case, since Stata also reserves "_N" and "strL".
RESERVED = frozenset(
    [
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strl",
        "using",
        "with",
        "all",
        "and",
        "by",
        "eq",
        "ge",
        "gt",
        "le",
        "lt",
        "ne",
        "not",
        "or",
        "to",
    ]
)
_STATA_STRING_TYPE = re.compile(r"^str[0-9]+$", re.IGNORECASE)


def variable_names(columns: Sequence[Column], prefixed: bool) -> list[str]:
    """Return a valid, unique SPSS and Stata variable name for every column."""
    names: list[str] = []
    taken: set[str] = set()
    for column in columns:
        name = column.name
        if prefixed and column.questionnaire_key:
            rest = name[len(column.questionnaire_key) + 1 :]
            initials = "".join(word[:1] for word in re.split(r"[-_ ]+", column.questionnaire_key))
            name = f"{initials}_{rest}"
        name = _NOT_IN_NAME.sub("_", name)
        if not name[:1].isalpha() or name.lower() in RESERVED or _STATA_STRING_TYPE.match(name):
            name = "v_" + name
        name = name[:NAME_LENGTH]
        candidate, number = name, 1
        while candidate.lower() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = name[: NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.lower())
        names.append(candidate)
    return names


def fitted(text: str, fmt: str, kind: str) -> str:
    """Return a label within the format's limit (cut, ending with …, when longer)."""
    limit = LIMITS[fmt][kind]
    if fmt == "dta":
        return text if len(text) <= limit else text[: limit - 1] + "…"
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - 3].decode("utf-8", errors="ignore")
    return cut + "…"


class _Coding:
    """How one column's cells become a statistical variable."""

    def __init__(self, column: Column, fmt: str, language: str) -> None:
        self.column = column
        self.kind = "text"
        self.codes: dict[str, Any] = {}
        self.labels: dict[Any, str] = {}
        self.missing: list[Any] = []
        label = column.label
        if column.type == "datetime":
            self.kind = "date"
        elif column.type == "country":
            self.kind = "text"  # ISO 3166-1 alpha-2: the code analysts join on
        elif column.is_numeric:
            self.kind = "number"
            for code, text in column.values.items():
                self.labels[float(code)] = fitted(label_text(text, language), fmt, "value")
        elif column.values:
            self.kind = "coded"
            scored = bool(column.scores)
            number = 0
            unscored = 0
            for code, text in column.values.items():
                if scored and code in column.scores:
                    value: Any = float(column.scores[code])
                elif scored:
                    # A point without a score is a missing value of its own, labelled.
                    value = chr(ord("a") + unscored) if fmt == "dta" else float(99 - unscored)
                    unscored += 1
                    self.missing.append(value)
                else:
                    number += 1
                    value = float(number)
                self.codes[code] = value
                self.labels[value] = fitted(label_text(text, language), fmt, "value")
        self.variable_label = fitted(label_text(label, language), fmt, "variable")

    def series(self, cells: list[Any]) -> pd.Series:
        """Return the column's cells as the variable's values."""
        if self.kind == "date":
            return pd.Series(
                [excel_moment(cell) if cell else None for cell in cells], dtype="datetime64[us]"
            )
        if self.kind == "number":
            return pd.Series(
                [float(cell) if cell not in ("", None) else None for cell in cells],
                dtype="float64",
            )
        if self.kind == "coded":
            values = [
                float("nan") if value is None else value
                for value in (self.codes.get(cell) if cell else None for cell in cells)
            ]
            if any(isinstance(value, str) for value in self.missing):
                return pd.Series(values, dtype=object)  # Stata's .a, .b, ... among numbers
            return pd.Series(values, dtype="float64")
        return pd.Series(["" if cell is None else str(cell) for cell in cells], dtype=object)


def label_text(label: Mapping[str, str], language: str) -> str:
    """Return a label in ``language``, or in English when it has none there."""
    return label.get(language) or label.get("en", "")


def write_statistical(
    fmt: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    path: Path,
    *,
    prefixed: bool,
    language: str = "en",
) -> tuple[int, list[str]]:
    """Write the rows as a labelled .sav or .dta file; return (rows written, variable names)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown statistical format {fmt!r}")
    names = variable_names(columns, prefixed)
    codings = [_Coding(column, fmt, language) for column in columns]
    cells: list[list[Any]] = [[] for _ in columns]
    count = 0
    for row in rows:
        for position, value in enumerate(row):
            cells[position].append(value)
        count += 1
    frame = pd.DataFrame(
        {
            name: coding.series(values)
            for name, coding, values in zip(names, codings, cells, strict=True)
        }
    )
    value_labels = {
        name: coding.labels for name, coding in zip(names, codings, strict=True) if coding.labels
    }
    variable_labels = [coding.variable_label for coding in codings]
    with _atomic(Path(path), "path") as (scratch, _):
        if fmt == "sav":
            pyreadstat.write_sav(
                frame,
                str(scratch),
                column_labels=variable_labels,
                variable_value_labels=value_labels,
                missing_ranges={
                    name: coding.missing
                    for name, coding in zip(names, codings, strict=True)
                    if coding.missing
                },
                variable_format={
                    name: "DATETIME20"
                    for name, coding in zip(names, codings, strict=True)
                    if coding.kind == "date"
                },
            )
        else:
            pyreadstat.write_dta(
                frame,
                str(scratch),
                column_labels=variable_labels,
                variable_value_labels=value_labels,
                missing_user_values={
                    name: coding.missing
                    for name, coding in zip(names, codings, strict=True)
                    if coding.missing and frame[name].dtype == object
                },
                version=15,
            )
    return count, names


def write_codebook(
    path: Path, entries: Iterable[CodebookEntry], variables: Mapping[str, str]
) -> Path:
    """Write the codebook beside a statistical file, each entry with its variable's name."""
    return write_csv_rows(
        codebook_path(Path(path)),
        ["variable", *CODEBOOK_HEADER],
        ([variables.get(entry.column, ""), *entry.as_row()] for entry in entries),
    )
