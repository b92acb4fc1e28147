"""Merge a page saved from an older copy of a response with what was saved since.

Several people may hold the same personal link (a colleague finishing a page, the same officer
on a phone and a laptop). Each page carries its *base*: the response's revision when the page
was shown, and a short digest of every answer unit as the page showed it. A unit is a question,
or one row of a matrix (rows are rated independently, so two people rating different articles
do not collide). When a page is saved:

- the base is the stored revision: nothing changed since, the page is written as sent;
- otherwise, unit by unit: changed only in the page -> written; changed only by the other
  browser -> the stored value stays; changed in both to the same value -> nothing to do
  (a double click is this case); changed in both to different values -> a *conflict*: nothing
  is overwritten, and the respondent is shown both values and chooses.

Questions linked in the definition (a ranking of the options ticked in another question, a
question or section shown on a condition) merge as one unit: a change in the page to any of
them, from a base older than another browser's change to any other, is a conflict, so that
neither a ranking nor a follow-up is silently changed by an answer its author never saw. The
base carries the digests of the linked questions of other pages too (see with_linked).

Each page shown also carries a random *editor* id. A save records it with the units it
changed, and the units of the same page's earlier saves since another page last saved: those
are the page's own, never a conflict for it, even when the reply that gave the page its new
base was lost (a phone's autosave on a weak network).

A page showing conflicts carries them as *pending* units with the stored value's digest as
base; the respondent's choice ("mine" or "theirs") is applied on the next save, unless the
stored value changed yet again, which is a new conflict. A pending unit also carries the linked
questions its conflict was explained with: saved again without a choice, it is asked again as
it was first asked, explanation included.

Pure functions over plain data; Flask-free.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Question, Questionnaire

#: Name of the hidden field carrying the base, of the one listing pending units, and the prefix
#: of the choice made for each pending unit.
BASE_FIELD = "base"
#: Name of the hidden field carrying the page's editor id (see the module).
EDITOR_FIELD = "editor"
PENDING_FIELD = "pending"
CHOICE_PREFIX = "resolve."
MINE = "mine"
THEIRS = "theirs"
#: A base longer than this is not one this application wrote.
_MAX_BASE = 20_000
#: The revision of a base that is never the stored one (every save raises it to 1 or more).
STALE = 0
_UNIT = re.compile(r"[A-Za-z0-9_.-]{1,140}\Z")
_DIGEST = re.compile(r"[0-9a-f]{10}\Z")
_EDITOR = re.compile(r"[A-Za-z0-9_-]{16,32}\Z")


def digest(parts: Mapping[str, str]) -> str:
    """Return a short fingerprint of a unit's stored parts ({} included)."""
    text = json.dumps(sorted(parts.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def units(question: Question, parts: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Split a question's parts into its units: one per matrix row, else the whole question."""
    if question.type == "matrix":
        return {
            unit: ({row: parts[row]} if row in parts else {})
            for unit, row in _matrix_units(question)
        }
    return {question.key: dict(parts)}


def _matrix_units(question: Question) -> tuple[tuple[str, str], ...]:
    # (unit, row key) of a matrix, named once per loaded definition: a page save splits each
    # of its matrices several times (the merge, the editors of its units).
    cached = question.__dict__.get("_units")
    if cached is None:
        cached = tuple((f"{question.key}.{row.key}", row.key) for row in question.rows)
        object.__setattr__(question, "_units", cached)
    return cached


def linked_groups(questionnaire: Questionnaire) -> dict[str, frozenset[str]]:
    """Return question key -> the keys of the questions linked to it, itself included.

    A question is linked to the ones it depends on, offering the options ticked in one
    (options_from) or shown on a condition on one (its own or its section's), to those they
    depend on in turn, and to the questions that depend on it. Two follow-ups of one trigger
    are not linked to each other. Computed once per loaded definition.
    """
    cached = questionnaire.__dict__.get("_linked_groups")
    if cached is not None:
        return cached
    sources: dict[str, set[str]] = {q.key: set() for q in questionnaire.questions}
    for section in questionnaire.sections:
        for question in section.questions:
            for source in (question.options_from, question.when, section.when):
                key = getattr(source, "question", source)
                if key in sources and key != question.key:
                    sources[question.key].add(key)

    def ancestors(key: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = set()
        for source in sources[key] - seen:
            found |= {source} | ancestors(source, seen | {key})
        return found

    above = {key: ancestors(key) for key in sources}
    groups = {
        key: frozenset({key} | above[key] | {other for other in sources if key in above[other]})
        for key in sources
    }
    object.__setattr__(questionnaire, "_linked_groups", groups)
    return groups


def with_linked(questionnaire: Questionnaire, questions: Iterable[Question]) -> list[Question]:
    """Return ``questions`` and, after them, the questions of other pages linked to them: a
    page's base carries their digests (see the module)."""
    questions = list(questions)
    keys = {q.key for q in questions}
    groups = linked_groups(questionnaire)
    linked = set().union(*(groups.get(key, ()) for key in keys)) - keys
    return questions + [q for q in questionnaire.questions if q.key in linked]


def new_editor() -> str:
    """Return a fresh editor id for a page shown."""
    return secrets.token_urlsafe(12)


def parse_editor(text: str | None) -> str | None:
    """Read a posted editor id; None when absent or not one this application wrote."""
    return text if text and _EDITOR.match(text) else None


#: A unit's entry is ``editor`` or ``editor~tag``: the tag, the start of the keyed hash of the
#: browser that saved the unit (origin.py), says whose browser the stored value came from when a
#: conflict page names who saved it (the response's last save may be another's since).
_TAG_SEPARATOR = "~"
BROWSER_TAG_LENGTH = 12


def browser_tag(browser: str | None) -> str:
    """Return the short tag of a browser's keyed hash ("" for none)."""
    return (browser or "")[:BROWSER_TAG_LENGTH]


def _unit_editors(text: str | None) -> dict[str, str]:
    pairs = (item.partition("=") for item in (text or "").split(",") if item)
    return {unit: editor for unit, _sep, editor in pairs}


def own_units(editor: str | None, unit_editors: str | None) -> frozenset[str]:
    """Return the units whose stored value this page saved itself (see the module)."""
    if editor is None:
        return frozenset()
    return frozenset(
        u
        for u, e in _unit_editors(unit_editors).items()
        if e.partition(_TAG_SEPARATOR)[0] == editor
    )


def browser_tags(unit_editors: str | None, units_: Iterable[str]) -> frozenset[str]:
    """Return the tags of the browsers that saved the stored values of ``units_`` (those known)."""
    editors = _unit_editors(unit_editors)
    found = (editors.get(unit, "").partition(_TAG_SEPARATOR)[2] for unit in units_)
    return frozenset(tag for tag in found if tag)


def unit_editors_after(
    questionnaire: Questionnaire,
    unit_editors: str | None,
    editor: str | None,
    stored: Answers,
    answers: Answers,
    browser: str | None = None,
) -> str | None:
    """Return the response's unit_editors after a save of ``answers`` over ``stored`` by the
    page ``editor`` in ``browser`` (editor None: a save by no page, whose changes are nobody's
    own)."""
    editors = _unit_editors(unit_editors)
    tag = browser_tag(browser)
    entry = f"{editor}{_TAG_SEPARATOR}{tag}" if editor and tag else editor
    for key, parts in answers.items():
        question = questionnaire.question(key)
        before = units(question, stored.get(key, {}))
        for unit, value in units(question, parts).items():
            if before[unit] == value:
                continue
            if entry:
                editors[unit] = entry
            else:
                editors.pop(unit, None)
    return ",".join(f"{unit}={e}" for unit, e in sorted(editors.items())) or None


@dataclass(frozen=True)
class Base:
    """What a page was shown with: the revision and each unit's digest."""

    revision: int
    digests: dict[str, str]


def base_of(revision: int, questions: Iterable[Question], answers: Answers) -> Base:
    """Return the base of a page showing ``answers`` for ``questions`` at ``revision``."""
    digests = {
        unit: digest(parts)
        for question in questions
        for unit, parts in units(question, answers.get(question.key, {})).items()
    }
    return Base(revision, digests)


def encode_base(base: Base) -> str:
    """Return the hidden field's text of a base: ``revision:unit=digest,...``."""
    return f"{base.revision}:" + ",".join(f"{u}={d}" for u, d in base.digests.items())


def parse_base(text: str | None) -> Base | None:
    """Read a base from a posted field; None when absent or not one this application wrote."""
    if not text or len(text) > _MAX_BASE:
        return None
    revision, _, rest = text.partition(":")
    if not revision.isdigit():
        return None
    digests = {}
    for item in filter(None, rest.split(",")):
        unit, _, value = item.partition("=")
        if not _UNIT.match(unit) or not _DIGEST.match(value):
            return None
        digests[unit] = value
    return Base(int(revision), digests)


def parse_pending(text: str | None) -> frozenset[str]:
    """Read the pending units a conflict page listed."""
    return frozenset(parse_asked_with(text))


def parse_asked_with(text: str | None) -> dict[str, frozenset[str]]:
    """Read the pending units a conflict page listed, each with the linked questions its
    conflict was explained with (``unit=key+key``, see encode_pending)."""
    asked: dict[str, frozenset[str]] = {}
    for item in (text or "").split(","):
        unit, _sep, keys = item.partition("=")
        if _UNIT.match(unit):
            asked[unit] = frozenset(k for k in keys.split("+") if _UNIT.match(k))
    return asked


def encode_pending(conflicts: Iterable[Conflict]) -> str:
    """Return the pending field's text of the conflicts a page shows (see parse_asked_with)."""
    return encode_asked_with({c.unit: [q.key for q, _value in c.linked] for c in conflicts})


def encode_asked_with(asked_with: Mapping[str, Iterable[str]]) -> str:
    """Return the pending field's text of pending units and their linked questions."""
    items = []
    for unit, keys in asked_with.items():
        linked = "+".join(keys)
        items.append(f"{unit}={linked}" if linked else unit)
    return ",".join(items)


def _linked_values(
    questionnaire: Questionnaire, question: Question, keys: Collection[str], stored: Answers
) -> tuple[tuple[Question, dict[str, str]], ...]:
    """Return the questions of ``keys`` linked to ``question``, with their stored value."""
    linked = linked_groups(questionnaire).get(question.key, frozenset()) - {question.key}
    return tuple(
        (q, dict(stored.get(q.key, {})))
        for q in questionnaire.questions
        if q.key in keys and q.key in linked
    )


@dataclass(frozen=True)
class Conflict:
    """One unit changed both in the page and, differently, by another browser."""

    question: Question
    unit: str
    #: The matrix row this unit is, or None for a whole question.
    row: str | None
    mine: dict[str, str]
    theirs: dict[str, str]
    #: False when the page already showed this conflict and no choice was made yet.
    is_new: bool = True
    #: The linked questions (see linked_groups) another browser changed since the page's base,
    #: with their stored value: why this unit conflicts although its own stored value may be
    #: the one the page showed.
    linked: tuple[tuple[Question, dict[str, str]], ...] = ()


@dataclass
class Merge:
    """What to write for a page, the conflicts left, and the page's next base digests."""

    answers: Answers = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Units where another browser's value was kept because the page had not changed it: unit
    #: -> (question key, the value kept).
    kept: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    #: Unit -> what the browser's copy shows of it once this save is written (its digest is
    #: the copy's base), or that digest itself where the copy keeps the base it had (a
    #: conflict). Digests are computed only when a page or reply carries them (see digests):
    #: a save that moves on to the next page needs none.
    shown: dict[str, dict[str, str] | str] = field(default_factory=dict)
    #: Units of linked questions of other pages -> their stored value (see with_linked).
    elsewhere: dict[str, dict[str, str]] = field(default_factory=dict)
    #: True when another browser changed one of those since the page's base.
    elsewhere_changed: bool = False

    @property
    def digests(self) -> dict[str, str]:
        """Unit -> the digest the browser's copy is now based on (after this save is written)."""
        return {
            unit: value if isinstance(value, str) else digest(value)
            for unit, value in self.shown.items()
        }

    def next_base(self, revision: int) -> Base:
        """Return the base of the browser's copy once this merge is written at ``revision``.

        Where the browser still shows a value other than the stored one (a unit kept from
        the other browser, a conflict), the revision is not the stored one, so that the next
        save compares every unit instead of taking the copy as current.
        """
        in_step = not self.kept and not self.conflicts and not self.elsewhere_changed
        return Base(revision if in_step else STALE, self.digests)

    def shown_base(self, revision: int) -> Base:
        """Return the base of the page shown again after this merge is written at ``revision``.

        That page shows the kept units with the stored value (see kept) and the conflicts
        with both, the stored one as their base: it is in step with the store.
        """
        digests = self.digests
        for unit, (_key, theirs) in self.kept.items():
            digests[unit] = digest(theirs)
        for conflict in self.conflicts:
            digests[conflict.unit] = digest(conflict.theirs)
        for unit, theirs in self.elsewhere.items():
            digests[unit] = digest(theirs)
        return Base(revision, digests)


def merge(
    questions: Iterable[Question],
    base: Base | None,
    revision: int,
    stored: Answers,
    posted: Answers,
    *,
    pending: frozenset[str] = frozenset(),
    choices: Mapping[str, str] | None = None,
    questionnaire: Questionnaire | None = None,
    own: frozenset[str] = frozenset(),
    asked_with: Mapping[str, Collection[str]] | None = None,
) -> Merge:
    """Merge ``posted`` (a page's valid answers, by question) into ``stored`` (see the module).

    ``questions`` are the page's questions; only those in ``posted`` are considered. Without
    a base (a client that sends none), the page is written as sent. ``questionnaire`` gives
    the links between questions (see linked_groups); without it each question merges alone.
    ``own`` are the units this page's own earlier saves changed (see own_units).
    ``asked_with``: pending unit -> the linked questions its conflict was explained with.
    """
    choices = choices or {}
    asked_with = asked_with or {}
    result = Merge()
    questions = list(questions)
    for question in questions:
        if question.key not in posted:
            continue
        mine_units = units(question, posted[question.key])
        theirs_units = units(question, stored.get(question.key, {}))
        final: dict[str, str] = {}
        for unit, mine in mine_units.items():
            theirs = theirs_units[unit]
            chosen = _merge_unit(
                question, unit, mine, theirs, base, revision, pending, choices, unit in own
            )
            if isinstance(chosen, Conflict):
                if questionnaire is not None and asked_with.get(unit):
                    # Asked again as it was first asked: with the linked answers that explain it.
                    linked = _linked_values(questionnaire, question, asked_with[unit], stored)
                    chosen = replace(chosen, linked=linked)
                result.conflicts.append(chosen)
                result.shown[unit] = base.digests[unit] if base else theirs
                final.update(theirs)
                continue
            if chosen is theirs and mine != theirs:
                result.kept[unit] = (question.key, theirs)
            # The browser's copy shows ``mine``; a pending unit's base is the value chosen.
            result.shown[unit] = chosen if unit in pending else mine
            final.update(chosen)
        result.answers[question.key] = final
    if questionnaire is not None and base is not None:
        _merge_linked(
            questionnaire, questions, base, revision, stored, posted, choices, own, result
        )
    return result


def _merge_linked(
    questionnaire: Questionnaire,
    questions: list[Question],
    base: Base,
    revision: int,
    stored: Answers,
    posted: Answers,
    choices: Mapping[str, str],
    own: frozenset[str],
    result: Merge,
) -> None:
    """Turn into conflicts the page's changes to questions linked to one another browser
    changed since the base (see the module); note the linked questions of other pages."""
    groups = linked_groups(questionnaire)
    on_page = {q.key for q in questions}
    mine: dict[str, tuple[Question, dict[str, str]]] = {}  # unit changed here -> its value
    theirs: set[str] = set()  # the questions another browser changed
    for question in with_linked(questionnaire, questions):
        for unit, value in units(question, stored.get(question.key, {})).items():
            if unit not in base.digests:
                continue
            if question.key not in on_page:
                result.elsewhere[unit] = value
                result.shown[unit] = base.digests[unit]
            if (
                unit not in own
                and base.revision != revision
                and digest(value) != base.digests[unit]
            ):
                theirs.add(question.key)
                result.elsewhere_changed |= question.key not in on_page
            if question.key in posted and choices.get(unit) != THEIRS:
                posted_unit = units(question, posted[question.key])[unit]
                if digest(posted_unit) != base.digests[unit]:
                    mine[unit] = (question, posted_unit)
    conflicting = {c.unit: index for index, c in enumerate(result.conflicts)}
    # Conflicts asked again, still waiting for a choice: what the page changes in a question
    # linked to one waits with it (an untick not chosen yet never renumbers a ranking).
    waiting = {c.question.key for c in result.conflicts if not c.is_new}
    for unit, (question, posted_unit) in mine.items():
        others = (groups[question.key] & theirs) - {question.key}
        stored_unit = units(question, stored.get(question.key, {}))[unit]
        if posted_unit == stored_unit:
            continue
        if unit in conflicting:
            # Already a conflict (of its own, or asked again): linked answers changed since
            # the base are said with it, and make it news.
            conflict = result.conflicts[conflicting[unit]]
            known = {q.key for q, _value in conflict.linked}
            if not others <= known:
                linked = _linked_values(questionnaire, question, known | others, stored)
                result.conflicts[conflicting[unit]] = replace(conflict, linked=linked, is_new=True)
            continue
        if others:
            row = unit.split(".", 1)[1] if question.type == "matrix" else None
            linked = _linked_values(questionnaire, question, others, stored)
            result.conflicts.append(
                Conflict(question, unit, row, posted_unit, stored_unit, True, linked)
            )
        elif not (groups[question.key] - {question.key}) & waiting:
            continue  # linked to nothing changed or waiting: written
        # Not written: the stored value stays, the copy keeps its base for this unit.
        result.kept.pop(unit, None)
        result.shown[unit] = base.digests[unit]
        written = result.answers[question.key]
        for part in posted_unit:
            written.pop(part, None)
        written.update(stored_unit)


def _merge_unit(
    question: Question,
    unit: str,
    mine: dict[str, str],
    theirs: dict[str, str],
    base: Base | None,
    revision: int,
    pending: frozenset[str],
    choices: Mapping[str, str],
    own: bool = False,
) -> dict[str, str] | Conflict:
    """Return the unit's value to write, or the conflict that keeps the stored one.

    ``own``: the stored value is this page's own earlier save (see own_units).
    """
    row = unit.split(".", 1)[1] if question.type == "matrix" else None
    if base is None or unit not in base.digests:
        return mine
    changed_since = not own and base.revision != revision and digest(theirs) != base.digests[unit]
    if unit in pending:
        choice = choices.get(unit)
        if changed_since:
            return Conflict(question, unit, row, mine, theirs)  # changed again meanwhile
        if choice == MINE:
            return mine
        if choice == THEIRS:
            return theirs
        if mine == theirs:
            return mine
        return Conflict(question, unit, row, mine, theirs, is_new=False)
    if not changed_since:
        return mine
    if digest(mine) == base.digests[unit]:
        return theirs  # only the other browser changed it
    if mine == theirs:
        return mine  # both made the same change (or the same page was sent twice)
    return Conflict(question, unit, row, mine, theirs)
