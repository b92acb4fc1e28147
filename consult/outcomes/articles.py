"""The per-article view across the consultation: every figure that has one value per Charter
article (matrix means, article choices, contributions per article). No Flask here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from consult.outcomes.distribution import ARTICLE_KEYS


def article_heat_map(questionnaires: Sequence[Mapping], contributions: Mapping | None) -> dict:
    """Gather every per-article figure: matrix means, article choices, contributions per article.

    Each column keeps its own scale; the heat map colours each column from its own minimum to
    its maximum, and prints the figure itself.
    """
    columns = []
    for questionnaire in questionnaires:
        for question in questionnaire["questions"]:
            if question["type"] == "matrix" and {r["key"] for r in question["rows"]} >= set(
                ARTICLE_KEYS
            ):
                if not question["ordinal"]:
                    continue
                rows = {r["key"]: r for r in question["rows"]}
                columns.append(
                    {
                        "questionnaire": questionnaire["key"],
                        "questionnaire_title": questionnaire["title"],
                        "question": question["key"],
                        "label": question["label"],
                        "kind": "mean",
                        "range": question["score_range"],
                        "scale": question["scale"],
                        "values": {a: rows[a]["mean"] for a in ARTICLE_KEYS},
                        "bases": {a: rows[a]["scored"] for a in ARTICLE_KEYS},
                    }
                )
            elif question["type"] == "multiple_choice" and {
                o["key"] for o in question["options"]
            } >= set(ARTICLE_KEYS):
                options = {o["key"]: o for o in question["options"]}
                columns.append(
                    {
                        "questionnaire": questionnaire["key"],
                        "questionnaire_title": questionnaire["title"],
                        "question": question["key"],
                        "label": question["label"],
                        "kind": "share",
                        "range": [0, 1],
                        "values": {a: options[a]["share"] for a in ARTICLE_KEYS},
                        "counts": {a: options[a]["count"] for a in ARTICLE_KEYS},
                        # An article offered by some versions only is a share of those
                        # who were offered it (its own base), never of all who answered.
                        "bases": {
                            a: options[a].get("base", question["answered"]) for a in ARTICLE_KEYS
                        },
                    }
                )
    if contributions is not None:
        per_article = {a["key"]: a["count"] for a in contributions["by_article"] if a["key"]}
        columns.append(
            {
                "questionnaire": None,
                "questionnaire_title": None,
                "question": "contributions",
                "label": {
                    "en": "Open contributions",
                    "fr": "Contributions libres",
                    "es": "Contribuciones abiertas",
                },
                "kind": "count",
                "range": [0, max(per_article.values(), default=0)],
                "values": {a: per_article.get(a, 0) for a in ARTICLE_KEYS},
                "counts": {a: per_article.get(a, 0) for a in ARTICLE_KEYS},
                "bases": {a: contributions["total"] for a in ARTICLE_KEYS},
            }
        )
    return {"articles": list(ARTICLE_KEYS), "columns": columns}
