"""The deck's key findings slides: as many per questionnaire as its findings need at the
deck's text size, split alike in every language of the deck (one structure: the same slides,
numbers and notes whatever the language), and what a slide without a finding says (the reason
that held, by the rules that picked the findings).

Needs a request (or test request) context for the language, like `presenting`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from consult.outcomes import deck_fit, view_scope
from consult.outcomes import presenting as p
from consult.outcomes.deck_settings import LANGUAGES
from consult.outcomes.headlines import (
    HIDDEN_LEADER,
    NO_FIGURE,
    Headline,
    no_finding_reason,
)


@dataclass(frozen=True)
class FindingsSlide:
    """One slide of a questionnaire's key findings (the first, or one that continues it)."""

    #: The slide's key (data-slide): "findings-<questionnaire>", then "-2", "-3"...
    key: str
    kicker: str
    title: str
    foot: str
    #: The headline groups it carries, one per key finding, whole.
    groups: Sequence[Sequence[Headline]]
    #: Columns of its grid (1 only for a finding too long for half a slide).
    columns: int
    part: int
    parts: int
    #: What the slide says when it has no finding (no responses, or too few for any figure).
    empty: str = ""


def finding_bases(group: Sequence[Headline]) -> list[str]:
    """The bases of a finding's sentences, each once (a matrix's two rows can differ)."""
    return list(dict.fromkeys(headline.base for headline in group))


def no_finding(
    questionnaire: Mapping[str, Any],
    threshold: int,
    summary: Mapping[str, Any] | None = None,
) -> str:
    """What a findings slide without a finding says: the reason that held, by the rules that
    pick the findings (headlines.no_finding_reason): never "no responses" when there are, never
    "no figure is shown" when some are, and never "yet" of a filtered view (the summary's
    record of its filter)."""
    summary = summary or {}
    filtered = view_scope.is_filtered(summary)
    if questionnaire.get("suppressed"):
        if filtered:
            return _(
                "Fewer than %(n)s responses in this view: its figures are not shown.",
                n=p.number(threshold),
            )
        return _("Fewer than %(n)s responses: figures are not shown yet.", n=p.number(threshold))
    if not questionnaire["responses"]:
        return p.no_responses_text(summary.get("filters"))
    if questionnaire["responses"] < (summary.get("group_limit") or 0):
        # A small group's tables are withheld (group disclosure): neither "no question was
        # answered by enough people" nor "the figures are in the full outcomes" would be true.
        return _(
            "This view has fewer than %(n)s respondents: figures that could tell how each of "
            "them answered are hidden, so no key finding is named.",
            n=p.number(summary["group_limit"]),
        )
    reason = no_finding_reason(questionnaire, summary, threshold)
    if reason == NO_FIGURE and filtered:
        return _(
            "No question has been answered by %(n)s respondents or more in this view: no "
            "figure is shown.",
            n=p.number(threshold),
        )
    if reason == NO_FIGURE:
        return _(
            "No question has been answered by %(n)s respondents or more yet: no figure is shown.",
            n=p.number(threshold),
        )
    if reason == HIDDEN_LEADER:
        return _(
            "No answer can be named as the most chosen: some answers are hidden to protect "
            "respondents, and one of them could be ahead of those shown. The figures shown are "
            "in the full outcomes."
        )
    return _(
        "No answer stands out enough to be a key finding; the figures are in the full outcomes."
    )


def _findings_foot(snapshot: Any) -> str:
    when = p.data_time(snapshot.data_as_of, snapshot.timezone)
    return " · ".join(
        [_("Data as of %(when)s", when=when), _("Shares are of those who answered each question.")]
    )


def _findings_kicker(questionnaire: Mapping[str, Any], threshold: int) -> str:
    return " · ".join(
        [
            p.t(questionnaire["title"]).split(":")[-1].strip().capitalize(),
            p.responses_text(questionnaire["responses"], threshold),
        ]
    )


def _finding_texts(groups: Sequence[Sequence[Headline]]) -> list[deck_fit.FindingText]:
    return [
        deck_fit.FindingText(
            statements=[(h.figure, h.sentence) for h in group],
            question=group[0].question,
            bases=[p.listed(finding_bases(group))],
        )
        for group in groups
    ]


def _identity(groups: Sequence[Sequence[Headline]]) -> list[tuple[tuple[str, str, str], ...]]:
    """What a questionnaire's findings are about, whatever their language."""
    return [tuple((h.statistic, h.question_key, h.option_key) for h in g) for g in groups]


def _room_versions(
    summary: Mapping[str, Any],
    snapshot: Any,
    questionnaire: Mapping[str, Any],
    groups: Sequence[Sequence[Headline]],
    threshold: int,
) -> list[tuple[list[deck_fit.FindingText], float]]:
    """The findings of a questionnaire as each language of the deck writes them, with the room
    its slides leave them: the slides are split so that they fit in every language (one deck,
    the same slides and notes in every language). A language whose picker would choose other
    findings (never, the picking reads figures only) is not measured."""
    versions = []
    for language in LANGUAGES:
        with force_locale(language):
            # The same call as the deck's figures (deck_figures): the findings in this language.
            written = p.questionnaire_headlines(questionnaire, summary, minimum=threshold)
            if _identity(written) != _identity(groups):
                continue
            kicker = _findings_kicker(questionnaire, threshold)
            # The longer title (continued) is the one measured: every part has the same room.
            room = deck_fit.findings_room(
                kicker, _("Key findings (continued)"), _findings_foot(snapshot)
            )
            versions.append((_finding_texts(written), room))
    return versions


def findings_slides(
    summary: Mapping[str, Any],
    snapshot: Any,
    findings: Mapping[str, Sequence[Sequence[Headline]]],
    threshold: int = 1,
) -> list[FindingsSlide]:
    """The key findings slides of every questionnaire, in the deck's language: as many per
    questionnaire as its findings need at the deck's text size (deck_fit), measured in every
    language of the deck, so that each language has the same slides with the same findings."""
    foot = _findings_foot(snapshot)
    slides = []
    for questionnaire in summary["questionnaires"]:
        key = questionnaire["key"]
        groups = list(findings.get(key) or [])
        kicker = _findings_kicker(questionnaire, threshold)
        room = deck_fit.findings_room(kicker, _("Key findings (continued)"), foot)
        versions = [(_finding_texts(groups), room)]
        versions += _room_versions(summary, snapshot, questionnaire, groups, threshold)
        pages = deck_fit.share_out_all(versions)
        for part, page in enumerate(pages, start=1):
            slides.append(
                FindingsSlide(
                    key=f"findings-{key}" + (f"-{part}" if part > 1 else ""),
                    kicker=kicker,
                    title=_("Key findings") if part == 1 else _("Key findings (continued)"),
                    foot=foot,
                    groups=[groups[i] for i in page.indexes],
                    columns=page.columns,
                    part=part,
                    parts=len(pages),
                    empty="" if groups else no_finding(questionnaire, threshold, summary),
                )
            )
    return slides
