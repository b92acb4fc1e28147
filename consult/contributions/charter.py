"""The structure of the Charter (questionnaires/charter.yaml): loaded, validated, plain data.

Nothing here imports Flask: the app validates the file at start (an invalid one stops it, like
an invalid questionnaire), and analysis code can read article titles without an app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consult.questionnaires.definition import LANGUAGES, DefinitionError, Problem

CHARTER_FILE = "charter.yaml"
#: The four parts every article has, in booklet order; contributions store these keys.
PART_KEYS = ("rights", "obligations", "duties", "action_plan")
ARTICLE_KEY_PATTERN = re.compile(r"^art(0[1-9]|1[0-2])$")
#: The longest short title (characters): "XII. " and it fit one line of the deck's heat map.
SHORT_TITLE_MAX = 30
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

Text = Mapping[str, str]


@dataclass(frozen=True)
class Part:
    """One of an article's four parts (rights, obligations, duties, action plan)."""

    key: str
    title: Text
    summary: Text | None = None


@dataclass(frozen=True)
class Article:
    """One of the twelve articles of the Agenda of rights and obligations."""

    key: str
    number: int
    roman: str
    title: Text
    summary: Text
    parts: tuple[Part, ...]
    #: The title in a few words, where room is tight (chart axes, the deck, a phone).
    short_title: Text = field(default_factory=dict)

    def part(self, key: str | None) -> Part | None:
        """Return one of this article's parts by key."""
        return next((p for p in self.parts if p.key == key), None)


@dataclass(frozen=True)
class Section:
    """A part of the Charter outside the articles (preamble, provisions), with subsections."""

    key: str
    title: Text
    summary: Text
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Charter:
    """The whole Charter: its sections, its twelve articles and the generic part titles."""

    title: Text
    adopted: Text
    introduction: Text
    sections: tuple[Section, ...]
    articles: tuple[Article, ...]
    parts: tuple[Part, ...]
    #: Where the official booklet (English, French and Spanish in one) is published.
    published_text: str | None = None

    def article(self, key: str | None) -> Article | None:
        """Return an article by key (art01..art12)."""
        return next((a for a in self.articles if a.key == key), None)

    def part(self, key: str | None) -> Part | None:
        """Return a generic part title by key."""
        return next((p for p in self.parts if p.key == key), None)

    @property
    def article_keys(self) -> tuple[str, ...]:
        """The article keys in booklet order."""
        return tuple(a.key for a in self.articles)

    def resolve_article(self, reference: str) -> str | None:
        """Turn "art03", "3", "03", "III" or "iii" into an article key; None if it is none."""
        reference = reference.strip()
        if self.article(reference.lower()):
            return reference.lower()
        number = None
        if reference.isdigit():
            number = int(reference)
        elif reference.upper() in _ROMAN:
            number = _ROMAN.index(reference.upper()) + 1
        if number is None:
            return None
        return next((a.key for a in self.articles if a.number == number), None)


class _Checker:
    """Collects every problem of the file instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, path, reason))

    def text(self, raw: Any, path: str) -> Text:
        """Check a translatable text: exactly en, fr and es, none empty."""
        if not isinstance(raw, Mapping):
            self.problem(path, "must be a mapping of en, fr and es")
            return {}
        for language in LANGUAGES:
            value = raw.get(language)
            if not isinstance(value, str) or not value.strip():
                self.problem(f"{path}.{language}", "missing or empty")
        extra = set(raw) - set(LANGUAGES)
        if extra:
            self.problem(path, f"unknown languages {sorted(extra)}")
        return {k: str(v).strip() for k, v in raw.items() if k in LANGUAGES and v}

    def short_text(self, raw: Any, path: str) -> Text:
        """Check a short translatable text: a text of at most SHORT_TITLE_MAX characters."""
        text = self.text(raw, path)
        for language, value in text.items():
            if len(value) > SHORT_TITLE_MAX:
                self.problem(
                    f"{path}.{language}",
                    f"{len(value)} characters, at most {SHORT_TITLE_MAX} (it names the article "
                    "where room is tight)",
                )
        return text

    def mapping(self, raw: Any, path: str, required: set[str], allowed: set[str]) -> dict:
        if not isinstance(raw, Mapping):
            self.problem(path, "must be a mapping")
            return {}
        for key in sorted(required - set(raw)):
            self.problem(f"{path}.{key}", "missing")
        for key in sorted(set(raw) - allowed):
            self.problem(f"{path}.{key}", "unknown key")
        return dict(raw)

    def items(self, raw: Any, path: str) -> list:
        if not isinstance(raw, list) or not raw:
            self.problem(path, "must be a non-empty list")
            return []
        return raw


def _section(checker: _Checker, raw: Any, path: str, depth: int = 0) -> Section:
    allowed = {"key", "title", "summary"} | ({"subsections"} if depth == 0 else set())
    data = checker.mapping(raw, path, {"key", "title", "summary"}, allowed)
    subsections = (
        tuple(
            _section(checker, item, f"{path}.subsections[{i}]", depth + 1)
            for i, item in enumerate(checker.items(data["subsections"], f"{path}.subsections"))
        )
        if "subsections" in data
        else ()
    )
    return Section(
        key=str(data.get("key", "")),
        title=checker.text(data.get("title"), f"{path}.title"),
        summary=checker.text(data.get("summary"), f"{path}.summary"),
        subsections=subsections,
    )


def _part(checker: _Checker, raw: Any, path: str, with_summary: bool) -> Part:
    keys = {"key", "title", "summary"} if with_summary else {"key", "title"}
    data = checker.mapping(raw, path, keys, keys)
    key = str(data.get("key", ""))
    if key not in PART_KEYS:
        checker.problem(f"{path}.key", f"must be one of {', '.join(PART_KEYS)}")
    return Part(
        key=key,
        title=checker.text(data.get("title"), f"{path}.title"),
        summary=checker.text(data.get("summary"), f"{path}.summary") if with_summary else None,
    )


def _article(checker: _Checker, raw: Any, path: str, position: int) -> Article:
    keys = {"key", "number", "roman", "title", "short_title", "summary", "parts"}
    data = checker.mapping(raw, path, keys, keys)
    key = str(data.get("key", ""))
    expected = f"art{position:02d}"
    if key != expected:
        checker.problem(f"{path}.key", f"must be {expected!r} (articles are in booklet order)")
    if data.get("number") != position:
        checker.problem(f"{path}.number", f"must be {position}")
    if data.get("roman") != _ROMAN[position - 1]:
        checker.problem(f"{path}.roman", f"must be {_ROMAN[position - 1]!r}")
    parts = tuple(
        _part(checker, item, f"{path}.parts[{i}]", with_summary=True)
        for i, item in enumerate(checker.items(data.get("parts"), f"{path}.parts"))
    )
    if tuple(p.key for p in parts) != PART_KEYS:
        checker.problem(f"{path}.parts", f"must be, in order: {', '.join(PART_KEYS)}")
    return Article(
        key=key,
        number=position,
        roman=_ROMAN[position - 1],
        title=checker.text(data.get("title"), f"{path}.title"),
        short_title=checker.short_text(data.get("short_title"), f"{path}.short_title"),
        summary=checker.text(data.get("summary"), f"{path}.summary"),
        parts=parts,
    )


def parse_charter(raw: Any, file: str = "<charter>") -> Charter:
    """Validate the Charter structure given as data and return it; raise DefinitionError."""
    checker = _Checker(file)
    keys = {"title", "adopted", "introduction", "sections", "articles", "parts"}
    data = checker.mapping(raw, "", keys, keys | {"published_text"})
    published_text = data.get("published_text")
    if published_text is not None and (
        not isinstance(published_text, str) or not published_text.startswith("https://")
    ):
        checker.problem("published_text", "must be an https:// address")
        published_text = None
    title = checker.text(data.get("title"), "title")
    adopted = checker.text(data.get("adopted"), "adopted")
    introduction = checker.text(data.get("introduction"), "introduction")
    sections = tuple(
        _section(checker, item, f"sections[{i}]")
        for i, item in enumerate(checker.items(data.get("sections"), "sections"))
    )
    seen: set[str] = set()
    for section in sections:
        for key in [section.key, *(s.key for s in section.subsections)]:
            if key in seen:
                checker.problem("sections", f"duplicate key {key!r}")
            seen.add(key)
    raw_articles = checker.items(data.get("articles"), "articles")
    if raw_articles and len(raw_articles) != len(_ROMAN):
        checker.problem(
            "articles", f"the Charter has {len(_ROMAN)} articles, not {len(raw_articles)}"
        )
    articles = tuple(
        _article(checker, item, f"articles[{i}]", i + 1)
        for i, item in enumerate(raw_articles[: len(_ROMAN)])
    )
    parts = tuple(
        _part(checker, item, f"parts[{i}]", with_summary=False)
        for i, item in enumerate(checker.items(data.get("parts"), "parts"))
    )
    if tuple(p.key for p in parts) != PART_KEYS:
        checker.problem("parts", f"must be, in order: {', '.join(PART_KEYS)}")
    if checker.problems:
        raise DefinitionError(checker.problems)
    return Charter(
        title=title,
        adopted=adopted,
        introduction=introduction,
        sections=sections,
        articles=articles,
        parts=parts,
        published_text=published_text,
    )


def load_charter(folder: str | Path) -> Charter:
    """Read and validate charter.yaml from the questionnaires folder."""
    path = Path(folder) / CHARTER_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(str(path), "", f"not valid YAML: {exc}")]) from exc
    except OSError as exc:
        raise DefinitionError([Problem(str(path), "", f"cannot be read: {exc}")]) from exc
    return parse_charter(raw, str(path))
