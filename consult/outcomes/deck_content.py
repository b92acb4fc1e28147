"""What the deck says beyond its figures: the methodology slide, the closing slide and the
speaker notes of every slide, in the deck's language.

Every sentence is built from the frozen summary the slides show (never from live data), so the
notes, the HTML deck, the presenter view and the PPTX and PDF downloads say the same thing.
Needs a request (or test request) context for the language, like `presenting`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from consult.campaign.vocabulary import region_names
from consult.contributions.labels import ORGANISATION_TYPE_LABELS
from consult.i18n import current_language
from consult.outcomes import deck_campaign, deck_fit, deck_quotes, reading, view_scope
from consult.outcomes import presenting as p
from consult.outcomes.deck_findings import (  # noqa: F401  (the deck's names, kept here)
    FindingsSlide,
    finding_bases,
    findings_slides,
    no_finding,
)
from consult.outcomes.deck_settings import LANGUAGES, Closing, closing_of
from consult.outcomes.headlines import Headline
from consult.outcomes.period import consultation_period, period_note, period_text

#: How many themes the contributions slide's notes name as raised most (with any tied).
TOP_THEMES_SAID = 3

#: The default closing slide: the revision's next steps, as (lead, rest) message pairs.
#: Marked for extraction (lazy): unmarked, they fell out of the catalogs and the French and
#: Spanish decks closed in English. They name no date and no state that can go stale (a
#: default of 2021 announced the Daejeon Congress of October 2022 on decks of 2026): staff
#: write the session's own dates on the closing slide, where stale_dates checks them.
NEXT_STEPS = (
    (
        _l("Taking part"),
        _l(
            "Questionnaires and open contributions, on the platform while the consultation is open."
        ),
    ),
    (_l("Drafting the revised Charter"), _l("Article by article, from these findings.")),
    (
        _l("10, 100, 1000 human rights cities and territories"),
        _l("Cities and territories join the campaign with a form and a letter."),
    ),
)


def default_closing() -> Closing:
    """Return the default closing slide (the revision's next steps) in every language."""
    titles, texts = {}, {}
    for language in LANGUAGES:
        with force_locale(language):
            titles[language] = _("Next steps of the revision")
            separator = "\u00a0: " if language == "fr" else ": "
            texts[language] = "\n".join(f"{lead}{separator}{rest}" for lead, rest in NEXT_STEPS)
    return Closing(title=titles, text=texts)


def closing_slide(session: Session, snapshot_id: int) -> Closing:
    """Return the closing slide of a snapshot's deck: staff's text, or the default."""
    return closing_of(session, snapshot_id, default_closing())


def closing_points(closing: Closing, language: str | None = None) -> list[tuple[str, str]]:
    """Return the closing slide's points in the deck's language as (lead, rest)."""
    language = language or current_language()
    # French sets the colon off with a no-break space (typed, pasted from a word processor,
    # or the default's): none of it stays at the end of the bold lead.
    return [(lead.rstrip(" \u00a0\u202f:"), rest) for lead, rest in closing.points(language)]


def languages_sentence(summary: Mapping[str, Any]) -> str:
    """The languages the responses were given in, each with its share, saying of how many
    responses (every questionnaire together); "" without responses.

    On a public summary a language hidden in one questionnaire (a small cell) has no known
    total: it is left out and the sentence says some are not shown, never counted as 0."""
    total = reading.responses_total(summary)
    if not total:
        return ""
    counts, partial = reading.known_totals(
        q["participation"]["by_language"] for q in summary["questionnaires"]
    )
    shares = ", ".join(
        f"{p.breakdown_label('language', key, summary)} {p.percent(count / total)}"
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        if count
    )
    if not shares:
        return ""
    lead = ngettext(
        "%(n)s response, by language:",
        "%(n)s responses, by language:",
        total,
        n=p.number(total),
    )
    if partial:
        rest = _("the other languages are not shown, to protect respondents")
        return f"{lead} {p.listed([shares, rest])}"
    return f"{lead} {shares}"


def _audience(key: str) -> str:
    if key == "local-governments":
        return _(
            "Local and regional governments and their associations: by personal invitation "
            "and an open link"
        )
    if key == "partners":
        return _(
            "Partners: civil society, academia, UN and international bodies, national "
            "governments and individuals, through an open link"
        )
    return p.short_questionnaire(key)


def methodology(summary: Mapping[str, Any], snapshot: Any, threshold: int) -> dict[str, Any]:
    """Return the methodology slide: who was asked, how many answered, period, cut-off, rules."""
    rows = [
        {
            "who": _audience(questionnaire["key"]),
            "count": questionnaire["responses"],
            "what": ngettext(
                "response to the questionnaire",
                "responses to the questionnaire",
                2 if questionnaire["responses"] is None else questionnaire["responses"],
            ),
        }
        for questionnaire in summary["questionnaires"]
    ]
    contributions = summary.get("contributions")
    if contributions is not None:
        rows.append(
            {
                "who": _("Anyone, on the Charter's pages: open contributions"),
                "count": contributions.get("total") or 0,
                "what": ngettext(
                    "published by a moderator",
                    "published by a moderator",
                    contributions.get("total") or 0,
                ),
            }
        )
    return {
        "rows": rows,
        "period": period_text(consultation_period(summary, snapshot.data_as_of, snapshot.timezone)),
        "cut_off": p.data_time(snapshot.data_as_of, snapshot.timezone),
        "rules": [
            _("Only submitted responses count, each once; drafts never do."),
            _(
                "Every share is of those who answered the question; the number of "
                "respondents (n) is shown with each figure."
            ),
            _(
                "Published outcomes hide any figure based on fewer than %(n)s people, and any "
                "figure from which such a figure could be worked out.",
                n=threshold,
            ),
            *_group_rule(summary, threshold),
        ],
    }


def _group_rule(summary: Mapping[str, Any], threshold: int) -> list[str]:
    """The group disclosure rule of a public summary (suppression.public_summary records its
    limit), said in general: it names no table, so it tells nothing of one."""
    limit = summary.get("group_limit") or 0
    if limit <= threshold:
        return []
    return [
        _(
            "In a group of fewer than %(n)s respondents (a region, a filtered view), a figure is "
            "also hidden when it would show that all or nearly all of them gave the same answer.",
            n=limit,
        )
    ]


def themes_raised_most(themes: Sequence[Mapping[str, Any]], total: int) -> str:
    """The contributions slide's note on its themes: the first three by count and every theme
    level with the third (never a leader named over a theme raised as often), each with its
    count, over the ``total`` published contributions (a contribution can raise several); a
    theme hidden on a public summary is not named. "" without themes."""
    raised = reading.top_with_ties(themes, TOP_THEMES_SAID, "count")
    if not raised:
        return ""
    return ngettext(
        "The themes raised most in the %(n)s published contribution: %(themes)s.",
        "The themes raised most in the %(n)s published contributions: %(themes)s.",
        total,
        n=p.number(total),
        themes=p.word_list(
            [f"{p.t(theme['label'])} ({p.number(theme['count'])})" for theme in raised]
        ),
    )


def _quote_field(quote: Any, name: str) -> Any:
    """A field of a quote, from a snapshot's record (a mapping) or from the quotes bank."""
    return quote.get(name) if isinstance(quote, Mapping) else getattr(quote, name, None)


def quote_source(quote: Any, summary: Mapping[str, Any], regions: Mapping[str, str]) -> str:
    """Where a quote comes from, in the deck's language: region, type of respondent, and
    whether it is an open contribution (never who said it)."""
    parts = [regions.get(_quote_field(quote, "region") or "", "")]
    respondent_type = _quote_field(quote, "respondent_type")
    is_contribution = _quote_field(quote, "source") == "contribution"
    if respondent_type and is_contribution:
        # A contributor's organisation type: the contributions' own words, never the key.
        parts.append(str(ORGANISATION_TYPE_LABELS.get(respondent_type, "")))
    elif respondent_type:
        parts.append(p.respondent_type_label(summary, respondent_type))
    if is_contribution:
        # The catalogs hold "open contribution" as a plural entry: a plain gettext of it
        # would stay in English.
        parts.append(ngettext("open contribution", "open contributions", 1))
    elif not any(parts):
        # Region and type left out (attribution.py: too few of them in the snapshot): the
        # questionnaire's audience still says who speaks.
        parts.append(audience_speaker(summary, _quote_field(quote, "questionnaire_key")))
    return " · ".join(part for part in parts if part)


def audience_speaker(summary: Mapping[str, Any], questionnaire_key: str | None) -> str:
    """Who speaks in a quote whose region and type are not named: "A local government",
    "A partner" (by the questionnaire's audience), else "A respondent"."""
    audience = next(
        (
            q.get("audience")
            for q in summary.get("questionnaires") or ()
            if q.get("key") == questionnaire_key
        ),
        None,
    )
    if audience == "local-governments":
        return _("A local government")
    if audience == "partners":
        return _("A partner")
    return _("A respondent")


def _part_source(source: str, part: int, parts: int) -> str:
    if part < parts:
        where = _(
            "part %(n)s of %(total)s, continued on the next slide",
            n=p.number(part),
            total=p.number(parts),
        )
    else:
        where = _("part %(n)s of %(total)s", n=p.number(part), total=p.number(parts))
    return " · ".join(x for x in (source, where) if x)


def quotes_foot(snapshot: Any) -> str:
    """The quotes slides' footer: the data time and where the quotes come from."""
    return " · ".join(
        [
            _("Data as of %(when)s", when=p.data_time(snapshot.data_as_of, snapshot.timezone)),
            _("Answers of submitted responses and published contributions, chosen by UCLG CISDP."),
        ]
    )


def quote_slides(
    summary: Mapping[str, Any], snapshot: Any, quotes: Sequence[Any]
) -> list[deck_quotes.QuoteSlide]:
    """The deck's quotes slides, in its language: every quote whole, on as many slides as the
    quotes need at the deck's size (deck_quotes), measured in every language of the deck so
    that each language has the same slides; never a quote cut. None when there is no quote
    to show and nothing to say of one (view_scope.quotes_absence): the slide is left out."""
    if not quotes and not view_scope.quotes_absence(summary):
        return []
    regions = region_names(current_language())
    room = deck_fit.findings_room("", _("In their words (continued)"), quotes_foot(snapshot))
    others = []
    for language in LANGUAGES:
        if language == current_language():
            continue
        with force_locale(language):
            sources = [quote_source(q, summary, region_names(language)) for q in quotes]
            others.append(
                deck_quotes.Wording(
                    sources,
                    [_part_source(source, 9, 9) for source in sources],
                    deck_fit.findings_room(
                        "", _("In their words (continued)"), quotes_foot(snapshot)
                    ),
                )
            )
    return deck_quotes.quote_slides(
        [
            deck_quotes.Quote(
                text=_quote_field(quote, "text") or "",
                language=_quote_field(quote, "language") or "",
                source=quote_source(quote, summary, regions),
            )
            for quote in quotes
        ],
        room,
        _part_source,
        others,
    )


def deck_slides_of(text: str) -> int:
    """How many slides a quote takes on the deck alone, in the deck's language (the quotes bank
    says so, so that the analyst can choose quotes that fit a five-minute slot)."""
    foot = " · ".join(
        [
            _("Data as of %(when)s", when="30 September 2026, 23:59 CEST"),
            _("Answers of submitted responses and published contributions, chosen by UCLG CISDP."),
        ]
    )
    room = deck_fit.findings_room("", _("In their words (continued)"), foot)
    quote = deck_quotes.Quote(text=text, language="", source="Middle East and West Asia")
    return len(deck_quotes.quote_slides([quote], room, _part_source))


def _quote_notes(
    slide: deck_quotes.QuoteSlide, quotes: Sequence[Any], summary: Mapping[str, Any]
) -> list[str]:
    """What the presenter reads on a quotes slide: what quotes are, and which go on."""
    if not quotes:
        return [view_scope.quotes_absence(summary)]
    if slide.part == 1:
        lines = [
            ngettext(
                "%(n)s quote chosen by UCLG CISDP from submitted answers and published "
                "contributions: it illustrates, it does not measure.",
                "%(n)s quotes chosen by UCLG CISDP from submitted answers and published "
                "contributions: they illustrate, they do not measure.",
                len(quotes),
                n=p.number(len(quotes)),
            )
        ]
    else:
        lines = [_("The quotes continue: each is shown whole, never shortened.")]
    for part in slide.parts:
        if part.parts > 1 and part.part == 1:
            lines.append(
                _(
                    "Quote %(n)s is long: it is shown whole over %(count)s slides, split "
                    "between sentences; the ellipsis marks where it goes on.",
                    n=p.number(part.number),
                    count=p.number(part.parts),
                )
            )
    return lines


def map_note(summary: Mapping[str, Any]) -> str:
    """What the participation map shows: every region's count, some, or none (each withheld
    where too few responded)."""
    totals = p.region_totals(summary["questionnaires"], summary).values()
    hidden = sum(1 for count in totals if count is None)
    if not hidden:
        return _("The map counts the responses of each UCLG region.")
    if hidden == len(totals):
        return _(
            "The map shows no region's count: each rests on too few responses to be shown, "
            "so the map only says which regions exist; the total is on the right."
        )
    return ngettext(
        'The map counts the responses of each UCLG region; %(n)s region marked "not shown" '
        "has too few responses to be shown on its own.",
        'The map counts the responses of each UCLG region; %(n)s regions marked "not shown" '
        "have too few responses to be shown on their own.",
        hidden,
        n=p.number(hidden),
    )


def speaker_notes(
    summary: Mapping[str, Any],
    snapshot: Any,
    findings: Mapping[str, Sequence[Sequence[Headline]]],
    quotes: Sequence[Any],
    closing: Closing,
    threshold: int,
    coverage: str = "",
) -> dict[str, list[str]]:
    """Return the speaker notes of every slide, by slide key (data-slide in the deck).

    ``coverage``: what part of the consultation a filtered snapshot covers
    (filter_words.coverage_note), read out on the title and methodology slides.

    ``findings`` are the headline groups the deck shows (``questionnaire_headlines``): the notes
    read out the same sentences, so the presenter never states a figure the slide does not.
    """
    when = p.data_time(snapshot.data_as_of, snapshot.timezone)
    total = reading.responses_total(summary)
    # None: the view does not cover them (view_scope), never said as "0 published".
    contributions = view_scope.contributions_count(summary)
    responses = (
        # A withheld total is never embedded as if it were a number ("not shown questionnaire
        # responses"): the sentence is written for that case.
        _(
            "Questionnaire responses too few to show their total (fewer than %(n)s to one "
            "questionnaire)",
            n=p.number(threshold),
        )
        if total is None
        else ngettext(
            "%(n)s questionnaire response",
            "%(n)s questionnaire responses",
            total,
            n=p.number(total),
        )
    )
    notes: dict[str, list[str]] = {
        "title": [
            _(
                "First outcomes of the consultation on the revision of the Global "
                "Charter-Agenda, with the data as of %(when)s.",
                when=when,
            ),
            _(
                "%(responses)s and %(contributions)s.",
                responses=responses,
                contributions=ngettext(
                    "%(n)s published open contribution",
                    "%(n)s published open contributions",
                    contributions,
                    n=p.number(contributions),
                ),
            )
            if contributions is not None
            else _(
                "%(responses)s; open contributions are not covered by this view.",
                responses=responses,
            ),
            *([coverage] if coverage else []),
        ],
        "participation": [
            ngettext(
                "%(n)s response to the questionnaire for %(who)s.",
                "%(n)s responses to the questionnaire for %(who)s.",
                2 if q["responses"] is None else q["responses"],
                n=p.count_text(q["responses"], threshold),
                who=p.short_questionnaire(q["key"]).lower(),
            )
            for q in summary["questionnaires"]
        ]
        + [map_note(summary)],
    }
    method = methodology(summary, snapshot, threshold)
    period = consultation_period(summary, snapshot.data_as_of, snapshot.timezone)
    notes["methodology"] = [
        period_note(period, snapshot.data_as_of, snapshot.timezone),
        *([coverage] if coverage else []),
        *method["rules"],
    ]
    for slide in findings_slides(summary, snapshot, findings, threshold):
        notes[slide.key] = [headline.sentence for group in slide.groups for headline in group] or [
            slide.empty
        ]
    themes = (summary.get("contributions") or {}).get("themes") or []
    if contributions is None:
        notes["contributions"] = [view_scope.no_contribution_text(summary)]
    else:
        notes["contributions"] = [
            ngettext(
                "%(n)s contribution published by a moderator; those awaiting moderation, "
                "rejected or hidden are not counted.",
                "%(n)s contributions published by a moderator; those awaiting moderation, "
                "rejected or hidden are not counted.",
                contributions,
                n=p.number(contributions),
            )
        ]
        raised = themes_raised_most(themes, contributions)
        if raised:
            notes["contributions"].append(raised)
    notes["articles"] = [
        _(
            "Each column is one channel with its own scale and its own number of "
            "respondents; darker means higher within that column only."
        ),
        _("Compare articles within a column, not colours across columns."),
    ]
    for slide in quote_slides(summary, snapshot, quotes):
        notes[slide.key] = _quote_notes(slide, quotes, summary)
    campaign = deck_campaign.campaign_view(summary, region_names(current_language()), when)
    if campaign is not None and campaign["total"]:  # the slide is shown once someone joined
        notes["campaign"] = deck_campaign.campaign_notes(campaign)
    notes["closing"] = (
        [_("The closing points were set by UCLG CISDP for this session.")]
        if closing.is_custom
        else [_("The next steps of the revision.")]
    )
    return notes
