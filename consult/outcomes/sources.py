"""What a summary is read from: the stored questionnaire versions, the Charter's article titles,
the sources besides the responses (SummarySources, part of the cache key), and the responses and
answers read straight from the driver.

Flask-free: every function takes a SQLAlchemy connection (consult.outcomes.data computes and
caches the summary from these).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.engine import Connection

from consult.analysis.data import (
    RESPONSE_COLUMNS,
    ResponseFilter,
    _response_query,
    load_responses,
)
from consult.outcomes import tallies
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Answer, QuestionnaireVersion, Response
from consult.questionnaires.parsing import parse_definition


@functools.lru_cache(maxsize=64)
def _parsed(version_id: int, checksum: str, definition_json: str) -> Questionnaire:
    return parse_definition(json.loads(definition_json), f"stored version {version_id}")


def stored_definitions(connection: Connection) -> dict[int, Questionnaire]:
    """Return every stored questionnaire version, by its row id (older responses need them)."""
    rows = connection.execute(
        select(
            QuestionnaireVersion.id, QuestionnaireVersion.checksum, QuestionnaireVersion.definition
        )
    ).all()
    return {
        row.id: _parsed(row.id, row.checksum, json.dumps(row.definition, sort_keys=True))
        for row in rows
    }


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _yaml(path: str, mtime_ns: int) -> dict:
    with open(path, encoding="utf-8") as handle:
        # libyaml's safe loader when PyYAML has it: the same safe loading, several times faster.
        return yaml.load(handle, Loader=SAFE_LOADER) or {}  # noqa: S506 - a safe loader


def article_titles(
    questionnaires_path: str | Path, which: str = "title"
) -> dict[str, dict[str, str]]:
    """Return article key -> title in three languages, numbered ("I. Right to the city");
    with ``which="short_title"``, the short titles for where room is tight (the full title
    where a file has none)."""
    path = Path(questionnaires_path) / "charter.yaml"
    if not path.exists():
        return {}
    raw = _yaml(str(path), path.stat().st_mtime_ns)
    return {
        article["key"]: {
            lang: f"{article.get('roman', '')}. {title}".lstrip(". ")
            for lang, title in (article.get(which) or article["title"]).items()
        }
        for article in raw.get("articles", [])
    }


@dataclass(frozen=True)
class SummarySources:
    """Everything besides the responses that a summary depends on."""

    current: Mapping[str, Questionnaire]
    questionnaires_path: Path

    @property
    def codebook_path(self) -> Path:
        """The themes codebook staff can extend."""
        return self.questionnaires_path / "themes.yaml"

    def fingerprint(self) -> str:
        """Identify the definitions, codebook and labels in force (part of the cache key)."""
        parts = [f"{k}:{q.version}:{q.checksum}" for k, q in sorted(self.current.items())]
        for name in ("themes.yaml", "charter.yaml", "regions.yaml"):
            path = self.questionnaires_path / name
            parts.append(f"{name}:{path.stat().st_mtime_ns if path.exists() else 0}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


ANSWER_COLUMNS = ["response_id", "question_key", "part_key", "value"]


def fetch_answers(connection: Connection, questionnaire: str | None = None) -> pd.DataFrame:
    """Return the answers of submitted responses in long form, read straight from the driver.

    The same rows as consult.analysis.data.load_answers, without building a Row object per
    value: with 100,000 responses that is the difference between seconds and a minute.
    """
    query = (
        select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.status == "submitted")
    )
    if questionnaire:
        query = query.where(Response.questionnaire_key == questionnaire)
    query = query.order_by(Answer.response_id, Answer.id)
    rows = tallies.fetch_rows(connection, query)
    if not rows:
        return pd.DataFrame(
            {"response_id": np.empty(0, np.int64), **{c: [] for c in ANSWER_COLUMNS[1:]}}
        ).astype({c: object for c in ANSWER_COLUMNS[1:]})
    # Plain object columns: faster to compare and group than pandas' string dtype.
    table = np.array(rows, dtype=object).reshape(len(rows), len(ANSWER_COLUMNS))
    return pd.DataFrame(
        {
            "response_id": table[:, 0].astype(np.int64),
            **{
                name: pd.Series(table[:, i], dtype=object)
                for i, name in enumerate(ANSWER_COLUMNS[1:], start=1)
            },
        }
    )


def fetch_responses(
    connection: Connection, questionnaire: str | None = None, ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return every response (drafts included): consult.analysis.data.load_responses's frame,
    read through the driver's cursor and with the moments parsed by pandas in one go.

    With ``ids``, only those responses (the live summary re-reads the ones that changed).
    """
    query = _response_query(ResponseFilter(questionnaire=questionnaire, submitted_only=False))
    if ids is not None:
        query = query.where(Response.id.in_(sorted(set(ids))))
    rows = tallies.fetch_rows(connection, query)
    frame = pd.DataFrame(rows, columns=[*RESPONSE_COLUMNS, "status"])
    for column in ("started_at", "submitted_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["is_demo"] = frame["is_demo"].astype(bool)  # SQLite's driver gives 0 and 1
    return frame


def load_frames(
    connection: Connection, questionnaire: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return every response (drafts included) and the answers of the submitted ones."""
    responses = load_responses(
        connection, ResponseFilter(questionnaire=questionnaire, submitted_only=False)
    )
    return responses, fetch_answers(connection, questionnaire)
