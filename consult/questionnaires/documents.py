"""The answers document: a response's answers as one text.

A draft's answers live in its document alone, so that saving a page rewrites one row.
Submitting writes them out as Answer rows too, one per value, which the analysis reads; from
then on operations.write_answers and submit_response keep the document equal to the rows in the
same transaction, and the wide export reads one text per response instead of one database row
per answered value.

Two forms, told apart by their first character:

- the **row form** (the usual one): a tag naming the questionnaire version, then one cell per
  part of every question, in the version's definition order, joined by the ASCII unit
  separator: "" where nothing is stored, the value where one is; for a multiple choice question
  that was answered, "1" for each chosen option and "0" for the others. Free text (and
  numbers) are stored spreadsheet-safe: a value beginning with = + - @ tab, carriage return or
  an apostrophe is stored with one more apostrophe in front (a plain number such as -5 in a
  number question excepted), which decoding takes off again; the tag ends with an apostrophe
  when some value itself began with one. It decodes back to exactly the rows, and the export
  turns it into its wide row with one C-level lookup and, usually, nothing else.
- the **JSON form** {question: {part: value}}, for answers the row form cannot hold exactly
  (a value containing a separator, a part the definition does not have).

The order of parts is frozen with the version: a definition's structure may not change once a
version has responses (see versions.sync_definitions). Flask-free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import OTHER_PART, Questionnaire

#: First character of the row form; the JSON form starts with "{".
ROW_MARK = "\x1e"
#: Between the cells of the row form (ASCII unit separator).
SEPARATOR = "\x1f"
#: What a spreadsheet may run as a formula, and the apostrophe that escapes it.
_ESCAPED_STARTS = frozenset("=+-@\t\r'")
#: Ends the tag of a document in which some free value itself began with an apostrophe.
QUOTED = "'"
#: A plain decimal number: left as it is in a number question (-5 is a number, not a formula).
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
#: Question types whose answers are free text or numbers (the others hold keys).
FREE_TYPES = frozenset({"short_text", "long_text", "number"})


class DocumentError(ValueError):
    """A document does not belong to the given questionnaire version."""


@dataclass(frozen=True)
class DocumentLayout:
    """Where each (question, part) of one questionnaire version sits in the row form."""

    #: The tag the row form starts with: ROW_MARK + "key/version".
    tag: str
    #: (question key, part key) of every cell, in definition order.
    parts: tuple[tuple[str, str], ...]
    #: (question key, part key) -> cell number (0 is the first part, after the tag).
    index: dict[tuple[str, str], int]
    #: Multiple choice question -> the cell numbers of its options ("other" text excluded).
    choice_options: dict[str, tuple[int, ...]]
    #: Cell numbers of multiple choice options (whose "0" means "not chosen", not a value).
    option_cells: frozenset[int]
    #: Cell numbers holding free text or numbers (stored spreadsheet-safe), and of numbers.
    free_cells: frozenset[int]
    number_cells: frozenset[int]


def document_layout(questionnaire: Questionnaire) -> DocumentLayout:
    """Return the row form's layout for one questionnaire version (computed once per object)."""
    cached = questionnaire.__dict__.get("_document_layout")
    if cached is not None:
        return cached
    parts: list[tuple[str, str]] = []
    choice_options: dict[str, tuple[int, ...]] = {}
    free: list[int] = []
    numbers: list[int] = []
    for question in questionnaire.questions:
        first = len(parts)
        parts.extend((question.key, part) for part in question.parts)
        for n, part in enumerate(question.parts):
            if question.type in FREE_TYPES or part == OTHER_PART:
                free.append(first + n)
                if question.type == "number":
                    numbers.append(first + n)
        if question.type == "multiple_choice":
            choice_options[question.key] = tuple(
                first + n for n, part in enumerate(question.parts) if part != OTHER_PART
            )
    layout = DocumentLayout(
        tag=f"{ROW_MARK}{questionnaire.key}/{questionnaire.version}",
        parts=tuple(parts),
        index={part: n for n, part in enumerate(parts)},
        choice_options=choice_options,
        option_cells=frozenset(n for cells in choice_options.values() for n in cells),
        free_cells=frozenset(free),
        number_cells=frozenset(numbers),
    )
    # The definition is frozen; caching on it keeps the per-save cost to the encoding itself.
    object.__setattr__(questionnaire, "_document_layout", layout)
    return layout


def _json_form(answers: Answers) -> str:
    return json.dumps(
        {key: parts for key, parts in answers.items() if parts},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def spreadsheet_safe(value: str, is_number: bool = False) -> tuple[str, bool]:
    """Return (the stored cell of a free value, whether the value began with an apostrophe)."""
    if value[0] in _ESCAPED_STARTS and not (is_number and _PLAIN_NUMBER.match(value)):
        return "'" + value, value[0] == "'"
    return value, False


def encode(questionnaire: Questionnaire, answers: Answers) -> str:
    """Return the answers document of ``answers`` (question -> {part: value}) to this version.

    Questions with no parts are absent, as they are from the rows.
    """
    layout = document_layout(questionnaire)
    cells = [""] * len(layout.parts)
    index = layout.index
    free = layout.free_cells
    quoted = False
    for key, parts in answers.items():
        if not parts:
            continue
        options = layout.choice_options.get(key)
        for part, value in parts.items():
            position = index.get((key, part))
            if (
                position is None
                or not value
                or ROW_MARK in value
                or SEPARATOR in value
                or (options is not None and part != OTHER_PART and value != "1")
            ):
                return _json_form(answers)  # the row form could not give these rows back
            if position in free:
                value, began_quoted = spreadsheet_safe(value, position in layout.number_cells)
                quoted = quoted or began_quoted
            cells[position] = value
        if options is not None:
            for position in options:
                if not cells[position]:
                    cells[position] = "0"
    tag = layout.tag + QUOTED if quoted else layout.tag
    return tag + SEPARATOR + SEPARATOR.join(cells)


def decode(questionnaire: Questionnaire, document: str) -> Answers:
    """Return the answers a document holds, exactly as Answer rows would hold them."""
    if not document.startswith(ROW_MARK):
        return json.loads(document)
    layout = document_layout(questionnaire)
    cells = document.split(SEPARATOR)
    if cells[0] not in (layout.tag, layout.tag + QUOTED) or len(cells) != len(layout.parts) + 1:
        raise DocumentError(f"the document is not one of {layout.tag[1:]}")
    answers: Answers = {}
    option_cells = layout.option_cells
    free = layout.free_cells
    parts = layout.parts
    # Most cells are empty (questions not reached yet): pick the filled ones in one pass.
    for position, value in [(p, v) for p, v in enumerate(cells[1:]) if v]:
        if value == "0" and position in option_cells:
            continue
        if position in free and value[0] == "'":
            value = value[1:]  # the apostrophe encode added
        key, part = parts[position]
        answers.setdefault(key, {})[part] = value
    return answers


def encode_hidden(answers: Answers) -> str | None:
    """Return the hidden_answers text of answers a condition hides (None when there are none)."""
    return _json_form(answers) if any(answers.values()) else None


def decode_hidden(text: str | None) -> Answers:
    """Return the answers a hidden_answers text holds."""
    return json.loads(text) if text else {}
