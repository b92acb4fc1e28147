"""Reading questionnaire definitions: load the YAML files (refusing duplicate keys), validate
them with every problem reported at once (DefinitionError), and parse them into the model of
consult.questionnaires.definition.

Nothing here imports Flask, so the CLI check, the app and the analysis code share it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from consult.questionnaires.definition import (
    AUDIENCES,
    COMMON_QUESTION_KEYS,
    DEFAULT_MAX_LENGTH,
    DISCLOSURE_KEYS,
    KEY_PATTERN,
    LANGUAGES,
    OTHER_PART,
    PROFILE_FIELDS,
    QUESTION_TYPES,
    QUESTIONNAIRE_KEY_PATTERN,
    QUESTIONNAIRE_KEYS,
    REQUIRED_QUESTIONNAIRE_KEYS,
    SECTION_KEYS,
    Condition,
    DefinitionError,
    Option,
    Problem,
    Question,
    Questionnaire,
    Section,
    Text,
)


class _Checker:
    """Collects problems while walking one definition."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, path, reason))

    def text(self, value: Any, path: str, *, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.add(path, "missing text (give en, fr and es)")
            return None
        if not isinstance(value, Mapping):
            self.add(path, "must be a mapping of en, fr and es")
            return None
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.add(f"{path}.{lang}", "missing translation")
        for extra in sorted(set(value) - set(LANGUAGES)):
            self.add(f"{path}.{extra}", "unknown language (only en, fr and es)")
        return {lang: str(value.get(lang, "")) for lang in LANGUAGES}

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for extra in sorted(set(data) - allowed, key=str):
            self.add(f"{path}.{extra}" if path else str(extra), "unknown key")

    def key(self, value: Any, path: str, pattern: re.Pattern[str] = KEY_PATTERN) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(path, f"key must match {pattern.pattern}")
            return str(value)
        return value

    def options(
        self, value: Any, path: str, *, scored: bool = False, exclusive: bool = False
    ) -> tuple[Option, ...]:
        if not isinstance(value, list) or not value:
            self.add(path, "must be a non-empty list")
            return ()
        seen: set[str] = set()
        options = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, Mapping):
                self.add(item_path, "must be a mapping with key and label")
                continue
            allowed = {"key", "label"} | ({"score"} if scored else set())
            self.unknown_keys(item, allowed | ({"exclusive"} if exclusive else set()), item_path)
            key = self.key(item.get("key"), f"{item_path}.key")
            if key in seen:
                self.add(f"{item_path}.key", f"duplicate key {key!r}")
            seen.add(key)
            label = self.text(item.get("label"), f"{item_path}.label") or {}
            score = item.get("score")
            if score is not None and (
                not isinstance(score, int | float) or isinstance(score, bool)
            ):
                self.add(f"{item_path}.score", "must be a number")
                score = None
            is_exclusive = item.get("exclusive", False)
            if not isinstance(is_exclusive, bool):
                self.add(f"{item_path}.exclusive", "must be true or false")
                is_exclusive = False
            options.append(Option(key, label, score, is_exclusive))
        return tuple(options)

    def number(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(path, "must be a number")
            return None
        return value

    def positive_int(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.add(path, "must be a whole number of at least 1")
            return None
        return value

    def moment(self, value: Any, path: str) -> datetime:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                self.add(path, "must be an ISO 8601 date and time")
                return datetime.min.replace(tzinfo=UTC)
        else:
            self.add(path, "must be an ISO 8601 date and time")
            return datetime.min.replace(tzinfo=UTC)
        if moment.tzinfo is None:
            self.add(path, "give a time zone offset (e.g. +00:00)")
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def _condition(
    checker: _Checker, value: Any, path: str, earlier: Mapping[str, Question]
) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "question" not in value:
        checker.add(
            path, "must be {question: KEY, equals: VALUE} or {question: KEY, contains: VALUE}"
        )
        return None
    checker.unknown_keys(value, {"question", "equals", "contains"}, path)
    operators = [op for op in ("equals", "contains") if op in value]
    if len(operators) != 1:
        checker.add(path, "give exactly one of equals or contains")
        return None
    operator = operators[0]
    source_key = value["question"]
    wanted = value[operator]
    source = earlier.get(source_key)
    if source is None:
        checker.add(f"{path}.question", f"{source_key!r} is not an earlier question")
        return None
    if operator == "contains" and source.type != "multiple_choice":
        checker.add(f"{path}.contains", "contains needs a multiple_choice question")
    elif operator == "equals" and source.type not in (
        "single_choice",
        "yes_no",
        "region",
        "country",
    ):
        checker.add(f"{path}.equals", "equals needs a single choice, yes_no, region or country")
    elif str(wanted) not in source.option_keys:
        checker.add(f"{path}.{operator}", f"{wanted!r} is not an option of {source_key!r}")
    return Condition(source_key, operator, str(wanted))


def _options_from(
    checker: _Checker,
    value: Any,
    path: str,
    options: tuple[Option, ...],
    earlier: Mapping[str, Question],
) -> str | None:
    """Check a ranking's array filter: an earlier multiple choice offering every ranked option.

    The ranking may offer ``other`` only when that question has "Other, please specify", and
    never one of its exclusive options ("None of these" cannot be ranked).
    """
    if value is None:
        return None
    source = earlier.get(value) if isinstance(value, str) else None
    if source is None or source.type != "multiple_choice":
        checker.add(path, f"{value!r} is not an earlier multiple_choice question")
        return None
    offered = set(source.option_keys) - source.exclusive_keys
    if source.other:
        offered.add(OTHER_PART)
    for index, option in enumerate(options):
        if option.key not in offered:
            checker.add(
                f"{path.rsplit('.', 1)[0]}.options[{index}].key",
                f"{option.key!r} is not a choice of {value!r} that can be ranked",
            )
    return value


def _question(
    checker: _Checker, data: Any, path: str, section_key: str, earlier: Mapping[str, Question]
) -> Question | None:
    if not isinstance(data, Mapping):
        checker.add(path, "must be a mapping")
        return None
    qtype = data.get("type")
    if qtype not in QUESTION_TYPES:
        checker.add(f"{path}.type", f"unknown type {qtype!r} (one of {', '.join(QUESTION_TYPES)})")
        return None
    checker.unknown_keys(data, COMMON_QUESTION_KEYS | QUESTION_TYPES[qtype], path)
    key = checker.key(data.get("key"), f"{path}.key")
    label = checker.text(data.get("label"), f"{path}.label") or {}
    help_text = checker.text(data.get("help"), f"{path}.help", required=False)
    required = data.get("required", False)
    if not isinstance(required, bool):
        checker.add(f"{path}.required", "must be true or false")
        required = False
    when = _condition(checker, data.get("when"), f"{path}.when", earlier)
    identifying = data.get("identifying", False)
    if not isinstance(identifying, bool):
        checker.add(f"{path}.identifying", "must be true or false")
        identifying = False
    extra: dict[str, Any] = {}
    if "options" in QUESTION_TYPES[qtype]:
        extra["options"] = checker.options(
            data.get("options"), f"{path}.options", exclusive=qtype == "multiple_choice"
        )
    if qtype == "multiple_choice":
        extra["max_choices"] = checker.positive_int(data.get("max_choices"), f"{path}.max_choices")
        other = data.get("other", False)
        if not isinstance(other, bool):
            checker.add(f"{path}.other", "must be true or false")
            other = False
        extra["other"] = other
        if other and any(o.key == OTHER_PART for o in extra["options"]):
            checker.add(f"{path}.options", "the key 'other' is reserved when other: true")
        if extra["options"] and all(o.exclusive for o in extra["options"]):
            checker.add(f"{path}.options", "at least one option must not be exclusive")
    if qtype == "matrix":
        extra["rows"] = checker.options(data.get("rows"), f"{path}.rows")
        extra["scale"] = checker.options(data.get("scale"), f"{path}.scale", scored=True)
    if qtype == "ranking":
        rank = checker.positive_int(data.get("rank"), f"{path}.rank")
        if rank is None:
            checker.add(f"{path}.rank", "give how many options to rank")
        elif rank > len(extra["options"]):
            checker.add(f"{path}.rank", "cannot exceed the number of options")
        extra["rank"] = rank
        extra["options_from"] = _options_from(
            checker, data.get("options_from"), f"{path}.options_from", extra["options"], earlier
        )
    if qtype in ("short_text", "long_text"):
        max_length = checker.positive_int(data.get("max_length"), f"{path}.max_length")
        extra["max_length"] = max_length or DEFAULT_MAX_LENGTH[qtype]
    if qtype == "number":
        extra["min"] = checker.number(data.get("min"), f"{path}.min")
        extra["max"] = checker.number(data.get("max"), f"{path}.max")
        if extra["min"] is not None and extra["max"] is not None and extra["min"] > extra["max"]:
            checker.add(f"{path}.max", "must not be below min")
        integer = data.get("integer", True)
        if not isinstance(integer, bool):
            checker.add(f"{path}.integer", "must be true or false")
            integer = True
        extra["integer"] = integer
    return Question(
        key=key,
        type=qtype,
        label=label,
        section_key=section_key,
        help=help_text,
        required=required,
        when=when,
        identifying=identifying,
        **extra,
    )


def _structure(raw: Any) -> Any:
    """Strip translatable texts so that the checksum covers only what storage depends on."""
    if isinstance(raw, Mapping):
        if set(raw) and set(raw) <= set(LANGUAGES):
            return None
        return {
            k: _structure(v)
            for k, v in sorted(raw.items(), key=lambda kv: str(kv[0]))
            if k not in DISCLOSURE_KEYS
        }
    if isinstance(raw, list):
        return [_structure(v) for v in raw]
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


def _jsonable(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return {str(k): _jsonable(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_jsonable(v) for v in raw]
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


#: The schedule is not structure: staff may extend or bring forward a deadline of a version
#: that already has responses without publishing a new version.
SCHEDULE_KEYS = ("opens_at", "closes_at")


def structure_checksum(raw: Mapping[str, Any]) -> str:
    """Return the hash of a definition's structure (labels, texts and dates left out)."""
    structure = {k: v for k, v in raw.items() if k not in SCHEDULE_KEYS}
    payload = json.dumps(_structure(structure), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_definition(raw: Any, file: str = "<definition>") -> Questionnaire:
    """Validate one definition given as data and return it; raise DefinitionError otherwise."""
    checker = _Checker(file)
    if not isinstance(raw, Mapping):
        raise DefinitionError([Problem(file, "", "a questionnaire must be a mapping")])
    checker.unknown_keys(raw, QUESTIONNAIRE_KEYS, "")
    for missing in sorted(REQUIRED_QUESTIONNAIRE_KEYS - set(raw)):
        checker.add(missing, "missing")
    key = checker.key(raw.get("key"), "key", QUESTIONNAIRE_KEY_PATTERN)
    version = checker.positive_int(raw.get("version"), "version") or 0
    audience = raw.get("audience")
    if audience not in AUDIENCES:
        checker.add("audience", f"must be one of {', '.join(AUDIENCES)}")
    opens_at = checker.moment(raw.get("opens_at"), "opens_at")
    closes_at = checker.moment(raw.get("closes_at"), "closes_at")
    if opens_at >= closes_at:
        checker.add("closes_at", "must come after opens_at")
    title = checker.text(raw.get("title"), "title") or {}
    introduction = checker.text(raw.get("introduction"), "introduction") or {}
    privacy_notice = checker.text(raw.get("privacy_notice"), "privacy_notice", required=False)

    earlier: dict[str, Question] = {}
    section_keys: set[str] = set()
    sections: list[Section] = []
    raw_sections = raw.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        checker.add("sections", "must be a non-empty list")
        raw_sections = []
    for s_index, s_data in enumerate(raw_sections):
        s_path = f"sections[{s_index}]"
        if not isinstance(s_data, Mapping):
            checker.add(s_path, "must be a mapping")
            continue
        checker.unknown_keys(s_data, SECTION_KEYS, s_path)
        s_key = checker.key(s_data.get("key"), f"{s_path}.key")
        if s_key in section_keys:
            checker.add(f"{s_path}.key", f"duplicate section key {s_key!r}")
        section_keys.add(s_key)
        s_when = _condition(checker, s_data.get("when"), f"{s_path}.when", earlier)
        questions: list[Question] = []
        raw_questions = s_data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            checker.add(f"{s_path}.questions", "must be a non-empty list")
            raw_questions = []
        for q_index, q_data in enumerate(raw_questions):
            q_path = f"{s_path}.questions[{q_index}]"
            question = _question(checker, q_data, q_path, s_key, earlier)
            if question is None:
                continue
            if question.key in earlier:
                checker.add(f"{q_path}.key", f"duplicate question key {question.key!r}")
                continue
            earlier[question.key] = question
            questions.append(question)
        sections.append(
            Section(
                key=s_key,
                title=checker.text(s_data.get("title"), f"{s_path}.title") or {},
                description=checker.text(
                    s_data.get("description"), f"{s_path}.description", required=False
                ),
                when=s_when,
                questions=tuple(questions),
            )
        )

    profile = raw.get("profile_fields")
    profile_fields: dict[str, str] = {}
    if not isinstance(profile, Mapping):
        checker.add("profile_fields", "must map country, region and respondent_type to questions")
    else:
        checker.unknown_keys(profile, set(PROFILE_FIELDS), "profile_fields")
        for name, wanted_type in PROFILE_FIELDS.items():
            question_key = profile.get(name)
            question = earlier.get(question_key) if isinstance(question_key, str) else None
            if question is None:
                checker.add(f"profile_fields.{name}", f"{question_key!r} is not a question")
            elif question.type != wanted_type:
                checker.add(f"profile_fields.{name}", f"{question_key!r} must be a {wanted_type}")
            else:
                profile_fields[name] = question_key

    if checker.problems:
        raise DefinitionError(checker.problems)
    raw_json = _jsonable(raw)
    return Questionnaire(
        key=key,
        version=version,
        audience=str(audience),
        opens_at=opens_at,
        closes_at=closes_at,
        title=title,
        introduction=introduction,
        privacy_notice=privacy_notice,
        sections=tuple(sections),
        profile_fields=profile_fields,
        checksum=structure_checksum(raw_json),
        raw=raw_json,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_file(path: Path) -> Questionnaire:
    """Read and validate one definition file."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(str(path), "", f"not valid YAML: {exc}")]) from exc
    except OSError as exc:
        raise DefinitionError([Problem(str(path), "", f"cannot be read: {exc}")]) from exc
    return parse_definition(raw, str(path))


#: Data files that live beside the questionnaires but are not questionnaires.
DATA_FILES = frozenset({"charter.yaml", "themes.yaml", "regions.yaml"})


def definition_files(folder: Path) -> list[Path]:
    """Return the questionnaire files of a folder: every *.yaml but the known data files."""
    return [p for p in sorted(Path(folder).glob("*.yaml")) if p.name not in DATA_FILES]


def load_all(paths: Iterable[Path]) -> dict[str, Questionnaire]:
    """Validate every file and return the questionnaires by key; raise all problems at once."""
    problems: list[Problem] = []
    questionnaires: dict[str, Questionnaire] = {}
    for path in paths:
        try:
            questionnaire = load_file(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if questionnaire.key in questionnaires:
            problems.append(
                Problem(str(path), "key", f"duplicate questionnaire {questionnaire.key!r}")
            )
            continue
        questionnaires[questionnaire.key] = questionnaire
    if problems:
        raise DefinitionError(problems)
    return questionnaires
