"""The columns of a responses export and its codebook, derived from the questionnaire definitions.

One column per question key, or per part (`question.part`) for questions with parts. When the
export spans several versions of a questionnaire, the columns are the union of theirs, newest
version first, so that a question keeps one column whatever version a response answered.

A column never holds two different questions, and no header is repeated:

- an export spanning several questionnaires prefixes every question column with its
  questionnaire's key (`partners.article_relevance.I`): two questionnaires may ask a question
  under the same key with different wording, options or scale;
- the questions that give a response its profile (country, region, type of respondent) are the
  fixed columns `country`, `region` and `respondent_type`, never a second column; the codebook
  gives their wording in every questionnaire that asks them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from consult.geography import REGION_KEYS, country_names
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire

LANGUAGES = ("en", "fr", "es")

Label = Mapping[str, str]


def _label(en: str, fr: str, es: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "es": es}


@dataclass(frozen=True)
class Column:
    """One column of an export."""

    name: str
    label: Label
    #: What the column holds, in words a codebook reader understands (e.g. "multiple_choice").
    type: str
    #: Written as a number in XLSX (ids, versions, 1/0, ranks, number answers).
    is_numeric: bool = False
    question_key: str | None = None
    part_key: str = ""
    #: Code -> label, for columns holding stable keys.
    values: dict[str, Label] = field(default_factory=dict, compare=False)
    #: The questionnaire a question column belongs to ("" for the fixed columns).
    questionnaire_key: str = ""
    #: Code -> score, for a matrix scale's points that carry one.
    scores: dict[str, float] = field(default_factory=dict, compare=False)
    #: (questionnaire, question key, wording) of each question a fixed column is filled from.
    wordings: list[tuple[str, str, Label]] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class CodebookEntry:
    """One line of the codebook: a column (value "") or one of the values it may hold."""

    column: str
    type: str
    value: str
    label: Label
    #: The questionnaire and question the entry is about ("" when it is not a question's).
    questionnaire: str = ""
    question: str = ""
    #: The score of a matrix scale point ("" for codes without one).
    score: str = ""

    def as_row(self) -> list[str]:
        """Return the entry as the codebook's row (in the order of CODEBOOK_HEADER)."""
        return [
            self.column,
            self.questionnaire,
            self.question,
            self.type,
            self.value,
            self.score,
            *(self.label.get(lang, "") for lang in LANGUAGES),
        ]


CODEBOOK_HEADER = [
    "column",
    "questionnaire",
    "question",
    "type",
    "value",
    "score",
    "label_en",
    "label_fr",
    "label_es",
]


def score_text(score: float | None) -> str:
    """Return a scale point's score as the codebook writes it (4, not 4.0; "" for none)."""
    if score is None:
        return ""
    return str(int(score)) if float(score).is_integer() else str(score)


YES_NO = {
    "yes": _label("Yes", "Oui", "Sí"),
    "no": _label("No", "Non", "No"),
    "dont_know": _label("Don't know", "Ne sait pas", "No sabe"),
}
CHOSEN = {
    "1": _label("Chosen", "Choisi", "Elegido"),
    "0": _label(
        "Not chosen (the question was answered)",
        "Non choisi (la question a reçu une réponse)",
        "No elegido (la pregunta fue respondida)",
    ),
}
LANGUAGE_NAMES = {
    "en": _label("English", "anglais", "inglés"),
    "fr": _label("French", "français", "francés"),
    "es": _label("Spanish", "espagnol", "español"),
}


def fixed_columns(
    questionnaires: Sequence[Questionnaire], region_labels: Mapping[str, Label]
) -> list[Column]:
    """Return the columns every responses export starts with."""
    titles = {}
    respondent_types: dict[str, Label] = {}
    for questionnaire in questionnaires:
        titles.setdefault(questionnaire.key, questionnaire.title)
        type_key = questionnaire.profile_fields.get("respondent_type")
        if type_key:
            for option in questionnaire.question(type_key).options:
                respondent_types.setdefault(option.key, option.label)
    return [
        Column(
            "response_id",
            _label("Response number", "Numéro de la réponse", "Número de la respuesta"),
            "integer",
            is_numeric=True,
        ),
        Column(
            "questionnaire",
            _label("Questionnaire", "Questionnaire", "Cuestionario"),
            "key",
            values=titles,
        ),
        Column(
            "version",
            _label(
                "Version of the questionnaire answered",
                "Version du questionnaire à laquelle il a été répondu",
                "Versión del cuestionario respondida",
            ),
            "integer",
            is_numeric=True,
        ),
        Column(
            "language",
            _label(
                "Language the respondent used",
                "Langue utilisée par la personne répondante",
                "Idioma que usó la persona encuestada",
            ),
            "key",
            values=dict(LANGUAGE_NAMES),
        ),
        Column(
            "submitted_at",
            _label(
                "Submitted at (ISO 8601, UTC)",
                "Envoyée le (ISO 8601, UTC)",
                "Enviada el (ISO 8601, UTC)",
            ),
            "datetime",
        ),
        *place_columns(region_labels),
        Column(
            "respondent_type",
            _label("Type of respondent", "Type de répondant", "Tipo de persona encuestada"),
            "key",
            values=respondent_types,
        ),
    ]


PERSONAL_COLUMNS = [
    Column(
        "contact_name",
        _label(
            "Contact: name (personal data)",
            "Contact\u00a0: nom (données personnelles)",
            "Contacto: nombre (datos personales)",
        ),
        "text",
    ),
    Column(
        "contact_email",
        _label(
            "Contact: e-mail (personal data)",
            "Contact\u00a0: courriel (données personnelles)",
            "Contacto: correo electrónico (datos personales)",
        ),
        "text",
    ),
    Column(
        "contact_job_title",
        _label(
            "Contact: job title (personal data)",
            "Contact\u00a0: fonction (données personnelles)",
            "Contacto: cargo (datos personales)",
        ),
        "text",
    ),
]

#: The long form's own columns, after the fixed (and personal) ones.
LONG_COLUMNS = [
    Column("question", _label("Question key", "Clé de la question", "Clave de la pregunta"), "key"),
    Column(
        "part",
        _label(
            "Part key (option, matrix row, 'other'; empty for single answers)",
            "Clé de la partie (option, ligne de matrice, «\u00a0other\u00a0»\u00a0;"
            " vide pour une réponse simple)",
            "Clave de la parte (opción, fila de matriz, «other»; vacía para respuestas simples)",
        ),
        "key",
    ),
    Column(
        "column",
        _label(
            "Column of the wide form holding this value",
            "Colonne de la forme large contenant cette valeur",
            "Columna de la forma ancha que contiene este valor",
        ),
        "key",
    ),
    Column("value", _label("Value", "Valeur", "Valor"), "text"),
]


def place_columns(region_labels: Mapping[str, Label]) -> tuple[Column, Column]:
    """The country and UCLG region columns, the same in every export that has them."""
    return (
        Column(
            "country",
            _label(
                "Country (ISO 3166-1 alpha-2)",
                "Pays (ISO 3166-1 alpha-2)",
                "País (ISO 3166-1 alfa-2)",
            ),
            "country",
            values=country_labels(),
        ),
        Column(
            "region",
            _label("UCLG region", "Région de CGLU", "Región de CGLU"),
            "region",
            values={
                key: dict(region_labels.get(key, _label(key, key, key))) for key in REGION_KEYS
            },
        ),
    )


def country_labels() -> dict[str, Label]:
    """Return ISO code -> country name in en, fr and es (CLDR)."""
    names = {lang: country_names(lang) for lang in LANGUAGES}
    return {code: {lang: names[lang][code] for lang in LANGUAGES} for code in sorted(names["en"])}


def _joined(first: Label, second: Label) -> dict[str, str]:
    return {lang: f"{first.get(lang, '')} — {second.get(lang, '')}" for lang in LANGUAGES}


OTHER_LABEL = _label("Other (text)", "Autre (texte)", "Otro (texto)")


def question_columns(
    question: Question,
    region_labels: Mapping[str, Label],
    *,
    questionnaire_key: str = "",
    prefix: str = "",
) -> list[Column]:
    """Return the columns of one question, with the codes each may hold.

    ``prefix`` (the questionnaire's key and a dot, in an export of several questionnaires)
    starts every column name.
    """
    return [
        replace(column, name=prefix + column.name, questionnaire_key=questionnaire_key)
        for column in _question_columns(question, region_labels)
    ]


def _question_columns(question: Question, region_labels: Mapping[str, Label]) -> list[Column]:
    key, label = question.key, question.label
    if question.type == "multiple_choice":
        columns = [
            Column(
                f"{key}.{option.key}",
                _joined(label, option.label),
                "multiple_choice option (1/0)",
                is_numeric=True,
                question_key=key,
                part_key=option.key,
                values=dict(CHOSEN),
            )
            for option in question.options
        ]
        if question.other:
            columns.append(
                Column(
                    f"{key}.{OTHER_PART}",
                    _joined(label, OTHER_LABEL),
                    "text",
                    question_key=key,
                    part_key=OTHER_PART,
                )
            )
        return columns
    if question.type == "matrix":
        scale = {point.key: point.label for point in question.scale}
        scores = {point.key: point.score for point in question.scale if point.score is not None}
        return [
            Column(
                f"{key}.{row.key}",
                _joined(label, row.label),
                "matrix row (scale key)",
                question_key=key,
                part_key=row.key,
                values=scale,
                scores=scores,
            )
            for row in question.rows
        ]
    if question.type == "ranking":
        ranks = {
            str(rank): _label(f"Rank {rank}", f"Rang {rank}", f"Puesto {rank}")
            for rank in range(1, (question.rank or 0) + 1)
        }
        return [
            Column(
                f"{key}.{option.key}",
                _joined(label, option.label),
                "ranking (rank given, empty if not ranked)",
                is_numeric=True,
                question_key=key,
                part_key=option.key,
                values=ranks,
            )
            for option in question.options
        ]
    values: dict[str, Label] = {}
    if question.type == "single_choice":
        values = {option.key: option.label for option in question.options}
    elif question.type == "yes_no":
        values = dict(YES_NO)
    elif question.type == "region":
        values = {k: region_labels.get(k, _label(k, k, k)) for k in REGION_KEYS}
    elif question.type == "country":
        values = country_labels()
    return [
        Column(
            key,
            dict(label),
            question.type,
            is_numeric=question.type == "number",
            question_key=key,
            values=values,
        )
    ]


@dataclass
class Layout:
    """The columns of an export and, per stored definition, where each answer goes."""

    columns: list[Column]
    #: Index of the first question column (after the fixed and personal ones).
    first_question: int
    #: Question columns carry their questionnaire's key as a prefix (several questionnaires).
    is_prefixed: bool = False

    def codebook(self) -> list[CodebookEntry]:
        """Return the codebook: every column, the wording of each question it comes from in
        each questionnaire, then every code it may hold (with its score, if any), labelled."""
        entries = []
        for column in self.columns:
            entries.append(
                CodebookEntry(
                    column.name,
                    column.type,
                    "",
                    column.label,
                    questionnaire=column.questionnaire_key,
                    question=column.question_key or "",
                )
            )
            for questionnaire, question, wording in column.wordings:
                entries.append(
                    CodebookEntry(
                        column.name,
                        "question wording",
                        "",
                        wording,
                        questionnaire=questionnaire,
                        question=question,
                    )
                )
            for code, label in column.values.items():
                entries.append(
                    CodebookEntry(
                        column.name,
                        column.type,
                        code,
                        label,
                        questionnaire=column.questionnaire_key,
                        question=column.question_key or "",
                        score=score_text(column.scores.get(code)),
                    )
                )
        return entries


def build_layout(
    questionnaires: Iterable[Questionnaire],
    region_labels: Mapping[str, Label],
    *,
    with_personal_data: bool = False,
) -> Layout:
    """Lay out the wide form for definitions given newest first (the union of their columns)."""
    questionnaires = list(questionnaires)
    columns = fixed_columns(questionnaires, region_labels)
    fixed = {column.name: column for column in columns}
    if with_personal_data:
        columns += PERSONAL_COLUMNS
    first_question = len(columns)
    is_prefixed = len({questionnaire.key for questionnaire in questionnaires}) > 1
    seen: dict[str, int] = {}
    worded: set[tuple[str, str]] = set()
    for questionnaire in questionnaires:
        profile = {key: name for name, key in questionnaire.profile_fields.items()}
        prefix = f"{questionnaire.key}." if is_prefixed else ""
        for question in questionnaire.questions:
            if question.key in profile:
                # Its answer is the fixed column; the codebook keeps its wording here.
                if (questionnaire.key, question.key) not in worded:
                    worded.add((questionnaire.key, question.key))
                    fixed[profile[question.key]].wordings.append(
                        (questionnaire.key, question.key, dict(question.label))
                    )
                continue
            for column in question_columns(
                question, region_labels, questionnaire_key=questionnaire.key, prefix=prefix
            ):
                if column.name in seen:
                    # An older version may offer more codes.
                    known = columns[seen[column.name]]
                    for code, label in column.values.items():
                        known.values.setdefault(code, label)
                    for code, score in column.scores.items():
                        known.scores.setdefault(code, score)
                    continue
                seen[column.name] = len(columns)
                columns.append(column)
    return Layout(columns, first_question, is_prefixed)


@dataclass(frozen=True)
class Placement:
    """Where the answers of responses to one stored definition go in a layout's rows."""

    #: (question key, part key) -> column index.
    index: dict[tuple[str, str], int]
    #: Multiple choice question -> the column indices of its options (1/0 once answered).
    option_columns: dict[str, list[int]]
    #: (profile question key, "") -> index of the fixed column its answer fills.
    profile: dict[tuple[str, str], int] = field(default_factory=dict)


def placement(layout: Layout, questionnaire: Questionnaire) -> Placement:
    """Return where the answers to ``questionnaire`` (one stored version) go in ``layout``.

    The profile questions have no question column (their answers are the fixed columns): they
    are in ``profile``, which only the long form uses to name a value's column.
    """
    by_name = {column.name: i for i, column in enumerate(layout.columns)}
    prefix = f"{questionnaire.key}." if layout.is_prefixed else ""
    index: dict[tuple[str, str], int] = {}
    option_columns: dict[str, list[int]] = {}
    profile: dict[tuple[str, str], int] = {}
    for name, question_key in questionnaire.profile_fields.items():
        profile[(question_key, "")] = by_name[name]
    for question in questionnaire.questions:
        if (question.key, "") in profile:
            continue
        if question.parts == ("",):
            index[(question.key, "")] = by_name[prefix + question.key]
            continue
        for part in question.parts:
            position = by_name[f"{prefix}{question.key}.{part}"]
            index[(question.key, part)] = position
            if question.type == "multiple_choice" and part != OTHER_PART:
                option_columns.setdefault(question.key, []).append(position)
    return Placement(index, option_columns, profile)
