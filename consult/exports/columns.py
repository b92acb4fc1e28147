"""The columns of a responses export, labelled in en, fr and es with the codes each may hold:
the fixed columns every export starts with (and the personal ones), the long form's own, and
those of one question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from consult.exports.codebook import LANGUAGES, Column, Label
from consult.geography import REGION_KEYS, country_names
from consult.questionnaires.definition import OTHER_PART, Question, Questionnaire


def _label(en: str, fr: str, es: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "es": es}


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
