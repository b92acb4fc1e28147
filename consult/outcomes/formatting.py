"""Formatting for the outcome pages: three-language labels, numbers, percentages and dates in
the page's language (CLDR through Babel), and the names of breakdown groups.

Needs a request (or test request) context for the language and the translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _

from consult.geography import collation_key, country_name
from consult.i18n import current_language, format_day, translate_text
from consult.outcomes.withheld import PROTECTS, withheld_text

LANGUAGE_LABELS = {
    "en": {"en": "English", "fr": "anglais", "es": "inglés"},
    "fr": {"en": "French", "fr": "français", "es": "francés"},
    "es": {"en": "Spanish", "fr": "espagnol", "es": "español"},
}


def t(text: Mapping[str, str] | None) -> str:
    """Pick a three-language text in the current language."""
    return translate_text(text)


def _percent_pattern(decimals: int) -> str:
    """The page language's own percent pattern (CLDR: "#,##0 %" in French and Spanish,
    "#,##0%" in English), with ``decimals`` fraction digits."""
    pattern = get_locale().percent_formats[None].pattern
    if decimals and "0" in pattern:
        last = pattern.rindex("0")
        pattern = pattern[: last + 1] + "." + "0" * decimals + pattern[last + 1 :]
    return pattern


def percent(share: float | None) -> str:
    """A share as a whole percentage ("42 %" in French, "42%" in English), or an en dash."""
    if share is None:
        return "–"
    return format_percent(share, format=_percent_pattern(0))


def percent_precise(share: float | None) -> str:
    """A share with one decimal, for tables ("42,5 %" in French)."""
    if share is None:
        return "–"
    return format_percent(share, format=_percent_pattern(1))


def day(value: str | date | None, width: str = "medium") -> str:
    """A calendar day in the page's language ("10 janv. 2022"); an en dash when unknown.

    ``width`` "long" writes the month whole ("10 January 2022"), as every sentence of the deck
    and the public page writes a date; "medium" is for the columns of a table."""
    if not value:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    # UCLG writes English dates the British way: "10 Jan 2022" (i18n.format_day).
    return format_day(value, width)


def number(value: float | int | None, digits: int = 0) -> str:
    """A number in the current language's notation."""
    if value is None:
        return "–"
    if digits:
        return format_decimal(value, format="#,##0." + "0" * digits)
    return format_decimal(value, format="#,##0")


#: The decimals of a mean score (a matrix row's, an article's) and of a mean rank, the same in
#: every output: two, so that 2.99 and 3.00 do not both print 3.0 and look tied on stage.
MEAN_DIGITS = 2


def mean_text(value: float | None) -> str:
    """A mean score or mean rank as every output prints it (page, Charter page, chart, deck,
    PPTX, PDF, headline sentence): MEAN_DIGITS decimals in the page's language, an en dash when
    not shown. The chokepoint of every printed mean: two rows are level when this prints them
    the same."""
    return number(value, MEAN_DIGITS)


def quantity(question: Mapping[str, Any], value: float | int | None, digits: int = 0) -> str:
    """A number question's figure: a year is written as years are (2021, or 2020.5 for a
    median between two years), never with a thousands separator; other numbers as number()."""
    if value is None or not question.get("year"):
        return number(value, digits)
    if float(value).is_integer():
        return str(int(value))
    return format_decimal(value, format="0." + "0" * max(digits, 1))


def interval_label(question: Mapping[str, Any], entry: Mapping[str, Any], last: bool) -> str:
    """A histogram interval as read aloud (consult.outcomes.number_bins): its start included,
    its end excluded unless it is the ``last``; whole numbers name their last value ("2015 –
    2019"); an end a public summary leaves open (None) says so truthfully ("under 10", "40 or
    more", for years "before 1990", "2020 or later")."""
    start, end = entry["from"], entry["to"]

    def edge(value: float) -> str:
        if question.get("integer") or question.get("year"):
            return quantity(question, value)
        return format_decimal(value, format="#,##0.####")  # round edges: 0.25, 2.5

    if end is not None and question.get("integer") and not last:
        end -= 1  # [2015, 2020) of whole numbers holds 2015 to 2019
    if start is None and end is None:
        return _("all answers")
    year = bool(question.get("year"))
    if start is None:
        # The end of an open first interval is excluded: "under" the next one's start.
        following = entry["to"]
        if year:
            return _("before %(year)s", year=edge(following))
        return _("under %(to)s", to=edge(following))
    if end is None:
        if year:
            return _("%(year)s or later", year=edge(start))
        return _("%(from)s or more", **{"from": edge(start)})
    if start == end:
        return edge(start)
    return f"{edge(start)} – {edge(end)}"


def word_list(items: Sequence[str]) -> str:
    """Join words the way the page's language does: "1 and 2", "1 et 2", "1 y 2"."""
    if not items:
        return ""
    return format_list(list(items), locale=current_language())


def labelled(label: str, value: str, language: str | None = None) -> str:
    """A label and its value, with the language's colon: "Europe: 12", French "Europe : 12"
    (a no-break space before the colon, so that it never starts a line)."""
    french = (language or current_language()) == "fr"
    return f"{label}\u00a0: {value}" if french else f"{label}: {value}"


def listed(parts: Sequence[str]) -> str:
    """Figures one after another, separated by the language's semicolon ("a; b", "a ; b")."""
    return ("\u00a0; " if current_language() == "fr" else "; ").join(parts)


def mean_choices_sentence(question: Mapping[str, Any]) -> str | None:
    """A multiple choice's average number of options chosen, with its base, and the options it
    does not count ("Other", "None of these": consult.outcomes.closed.mean_choices); None when
    there is no figure or no base to state (withheld, or an old snapshot without one)."""
    mean, base = question.get("mean_choices"), question.get("mean_choices_base")
    if not mean or not base:
        return None
    sentence = ngettext(
        "On average %(n)s options chosen per respondent, over the %(base)s respondent who"
        " chose at least one listed option.",
        "On average %(n)s options chosen per respondent, over the %(base)s respondents who"
        " chose at least one listed option.",
        base,
        n=number(question["mean_choices"], 1),
        base=number(base),
    )
    left_out = {"other", *(question.get("exclusive_options") or ())}
    labels = [
        _("“%(option)s”", option=option_label(o, "multiple_choice", {}))
        for o in question.get("options") or ()
        if o.get("key") in left_out
    ]
    if labels:
        sentence += " " + _("Not counted as options: %(options)s.", options=word_list(labels))
    return sentence


def version_list(versions: Sequence[int]) -> str:
    """Questionnaire version numbers as words: "1 and 2"."""
    return word_list([number(v) for v in versions])


def count_text(count: int | None, threshold: int | None = None) -> str:
    """A count, or "fewer than N" when it was suppressed."""
    if count is None:
        return _("fewer than %(n)s", n=threshold or 5) if threshold else "–"
    return number(count)


def responses_text(count: int | None, threshold: int | None = None) -> str:
    """A number of responses in words: "12 responses", "1 response", and on a public summary
    "fewer than 5 responses" where a questionnaire's count is small (None: it is not printed,
    and no total that would give it back is either)."""
    if count is None:
        return _("fewer than %(n)s responses", n=number(threshold or 5))
    return ngettext("%(n)s response", "%(n)s responses", count, n=number(count))


def no_responses_text(filters: Mapping[str, Any] | None) -> str:
    """What a summary of no response says: "yet" only of everything (the live, unfiltered
    view); a filtered view that matches nothing says so. ``filters``: the summary's record of
    its filter (``summary["filters"]``), or None."""
    if any((filters or {}).values()):
        return _("No response matches these filters.")
    return _("No responses yet.")


def entry_count(entry: Mapping[str, Any] | None, threshold: int | None = None) -> str:
    """The count of a breakdown entry as shown: the number, "fewer than N" when it was small,
    "not shown (protects a small group)" when it was hidden only to protect a smaller cell
    (secondary suppression), or "not shown" when the whole table was withheld."""
    if entry is not None and entry.get("withheld"):
        return _("not shown")
    if entry is not None and entry.get("secondary"):
        return withheld_text(PROTECTS)
    return count_text(None if entry is None else entry.get("count"), threshold)


def data_time(moment: datetime | str, timezone: str, language: str | None = None) -> str:
    """Render a data time the way the staff chose: "22 February 2022, 18:00 CET"."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = language or current_language()
    # The long date of each language ("22 de febrero de 2022"), a 24-hour time, and the zone's
    # own abbreviation (CET), the same in every language.
    return f"{long_date(local.date(), language)}, {local:%H:%M} {local.tzname()}"


def long_date(value: date, language: str | None = None) -> str:
    """A date written out in the language ("22 February 2022", "22 de febrero de 2022"); French
    writes the first of a month as an ordinal, "1er février 2022" (CLDR has no such form)."""
    return format_day(value, "long", language)


def option_label(
    entry: Mapping[str, Any], question_type: str, region_labels: Mapping[str, Mapping[str, str]]
) -> str:
    """The label of an option, a country name, a region, or the key when nothing better exists."""
    key = entry.get("key")
    if question_type == "country" and key:
        return country_name(key, current_language())
    if entry.get("label"):
        return t(entry["label"])
    if question_type == "region" and key in region_labels:
        return t(region_labels[key])
    if key is None:
        return _("Not answered")
    return str(key)


KIND_LABELS = {
    "comment": {"en": "Comment", "fr": "Commentaire", "es": "Comentario"},
    "wording": {
        "en": "Proposed wording",
        "fr": "Proposition de rédaction",
        "es": "Propuesta de redacción",
    },
    "new_right": {"en": "New right", "fr": "Nouveau droit", "es": "Nuevo derecho"},
    "reflection": {"en": "Reflection", "fr": "Réflexion", "es": "Reflexión"},
}


PART_LABELS = {
    "whole": {"en": "Whole article", "fr": "Article entier", "es": "Artículo completo"},
    "rights": {
        "en": "Rights of the inhabitants",
        "fr": "Droits des habitants",
        "es": "Derechos de los habitantes",
    },
    "obligations": {
        "en": "Obligations of the city",
        "fr": "Obligations de la ville",
        "es": "Obligaciones de la ciudad",
    },
    "duties": {
        "en": "Duties of the inhabitants",
        "fr": "Devoirs des habitants",
        "es": "Deberes de los habitantes",
    },
    "action_plan": {
        "en": "Suggested action plan",
        "fr": "Plan d'action proposé",
        "es": "Plan de acción propuesto",
    },
}
#: The columns of the contributions-per-part table, in the Charter's order.
PART_COLUMNS = ("whole", "rights", "obligations", "duties", "action_plan")


def part_label(key: str) -> str:
    """The label of a part of an article ("whole" for the article as a whole)."""
    return t(PART_LABELS.get(key)) or key


def article_label(summary: Mapping[str, Any], key: str | None) -> str:
    """An article's numbered title, or "The Charter as a whole" for None."""
    if key is None:
        return _("The Charter as a whole")
    return t(summary.get("article_titles", {}).get(key)) or key


def article_short_label(summary: Mapping[str, Any], key: str) -> str:
    """An article's numbered short title, where room is tight ("X. Housing and domicile"); its
    full title in a summary frozen before short titles existed."""
    return t(summary.get("article_short_titles", {}).get(key)) or article_label(summary, key)


def kind_count(key: str, count: int) -> str:
    """What a number of contributions of a kind is called: "56 comments" without the number."""
    if key == "comment":
        return ngettext("comment", "comments", count)
    if key == "wording":
        return ngettext("proposed wording", "proposed wordings", count)
    if key == "new_right":
        return ngettext("proposed new right", "proposed new rights", count)
    if key == "reflection":
        return ngettext("general reflection", "general reflections", count)
    return key


def scale_points(question: Mapping[str, Any]) -> str:
    """List a scale's scored points with their scores: "Very relevant = 4, Relevant = 3"."""
    points = [p for p in question["scale"] if p.get("score") is not None]
    return ", ".join(f"{t(p['label'])} = {number(p['score'])}" for p in points)


def breakdown_label(
    kind: str,
    key: str | None,
    summary: Mapping[str, Any],
    questionnaire: Mapping[str, Any] | None = None,
) -> str:
    """Label a participation breakdown entry (region, country, type, language)."""
    if key is None:
        return _("Not given")
    if kind == "region":
        return t(summary.get("region_labels", {}).get(key)) or key
    if kind == "country":
        if key == "_other" and summary.get("countries_grouped"):
            return _(
                "Other countries (fewer than %(n)s each, or grouped to protect a small group)",
                n=summary.get("suppressed_below"),
            )
        if key == "_other":
            return _("Other countries (fewer than %(n)s each)", n=summary.get("suppressed_below"))
        return country_name(key, current_language())
    if kind == "language":
        return t(LANGUAGE_LABELS.get(key)) or key
    if kind == "kind":
        return t(KIND_LABELS.get(key)) or key
    if kind == "respondent_type":
        labels = {}
        for entry in summary["questionnaires"]:
            if questionnaire is None or entry["key"] == questionnaire["key"]:
                labels.update(entry.get("respondent_types", {}))
        return t(labels.get(key)) or key
    return key


def in_name_order(
    entries: Sequence[Mapping[str, Any]], label: Callable[[Mapping[str, Any]], str]
) -> list[Mapping[str, Any]]:
    """A list ranked by count, its ties in the alphabetical order of their names in the
    page's language (geography.collation_key), not by code: "Égypte" among the E, "Perú" with
    the P. Only runs of neighbours level on the same figure are reordered (hidden ones
    included: the order hidden_last gave them says nothing but their names either); a pooled
    or unnamed entry keeps its place."""
    language = current_language()
    ordered: list[Mapping[str, Any]] = []
    run: list[Mapping[str, Any]] = []

    def level(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        named = all(e.get("key") not in (None, "_other") for e in (a, b))
        same = a.get("count") == b.get("count")
        return named and same and bool(a.get("suppressed")) == bool(b.get("suppressed"))

    for entry in entries:
        if run and not level(run[-1], entry):
            ordered += sorted(run, key=lambda e: collation_key(label(e), language))
            run = []
        run.append(entry)
    ordered += sorted(run, key=lambda e: collation_key(label(e), language))
    return ordered


def countries_in_order(
    entries: Sequence[Mapping[str, Any]], summary: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """A by-country breakdown or a country question's options, ties by the country's name."""
    return in_name_order(entries, lambda e: breakdown_label("country", e.get("key"), summary))


def short_questionnaire(key: str | None) -> str:
    if key == "local-governments":
        return _("Local governments")
    if key == "partners":
        return _("Partners")
    return key or ""


def respondent_type_label(summary: Mapping[str, Any], key: str | None) -> str:
    """The label of a respondent type in any questionnaire of the summary."""
    if not key:
        return ""
    for questionnaire in summary["questionnaires"]:
        label = questionnaire.get("respondent_types", {}).get(key)
        if label:
            return t(label)
    return key


def percent_base_sentence(question: Mapping[str, Any]) -> str:
    """What a question's percentages are of, in a sentence true for its kind: a matrix's are of
    each row's own respondents, a multiple choice's add up to more than 100 %; "" for a question
    without percentages (text, number)."""
    kind = question["type"]
    if kind in ("short_text", "long_text", "number") or question.get("answered_secondary"):
        return ""  # no percentages: those of a withheld answered count would give it back
    if kind == "matrix":
        return _(
            "Percentages in each row are of the respondents who answered that row (its "
            "“Answered” column)."
        )
    count = question.get("base")
    # "the 1 people who answered" would read as a mistake: the noun follows the count.
    if kind == "multiple_choice":
        return ngettext(
            "Percentages are of the %(base)s respondent who answered, who could choose several "
            "options.",
            "Percentages are of the %(base)s who answered; each could choose several options, "
            "so they can add up to more than 100%%.",
            count or 0,
            base=number(count),
        )
    return ngettext(
        "Percentages are of the %(base)s respondent who answered.",
        "Percentages are of the %(base)s who answered.",
        count or 0,
        base=number(count),
    )


def themes_note(total: int) -> str:
    """What the shares of the themes raised by open contributions are of (they do not add up
    to 100 %: a contribution may raise several)."""
    return ngettext(
        "Based on %(n)s published contribution, which may raise several themes.",
        "Share of the %(n)s published contributions that raise each theme; one contribution "
        "may raise several.",
        total,
        n=number(total),
    )
