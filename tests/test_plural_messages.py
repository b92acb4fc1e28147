"""A message that counts something with a number goes through ngettext, so "1 page" is singular.

The rule: in a gettext, `_()` or pgettext message (not ngettext/npgettext), a placeholder that
holds a number, named so (`n`, `count`, `pages`, ...) or written `%(x)d`, followed by a word
that is not a function word ("part %(n)s of %(total)s" counts nothing), counts that word.
English, French and Spanish inflect such a word (and French and Spanish a participle after it:
"1 envoyée", "2 envoyées") by the number, so the message must be plural-aware.

Not counts: a threshold ("fewer than %(n)s people", "at least %(min)s ..."), which names a
configured limit (the small-cell threshold), not how many things there are; a length or size
("at most %(max)s characters", "%(size)s MB"); and the messages of the allow-list, each with why
its number is never 1. A ceiling on things ("at most %(max)s options", "up to %(n)s points") is
a count: a questionnaire's definition may allow one choice ("at most 1 option").
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from sqlalchemy import select

from consult.campaign.models import Pledge
from consult.db import db
from consult.i18n_tools import ROOT
from tests.campaign.conftest import Institution, letter

NUMBER_NAMES = {
    "n", "num", "count", "number", "total", "pages", "days", "hours", "minutes", "seconds",
    "max", "min", "length", "over", "limit", "done", "skipped", "pending", "reported",
    "threshold", "points", "value",
}  # fmt: skip
FUNCTION_WORDS = {
    "of", "to", "or", "and", "on", "in", "by", "at", "is", "was", "are", "has", "more", "each",
}  # fmt: skip
#: A threshold before the number: it names a configured limit, not a count.
THRESHOLD = re.compile(r"(?:fewer than|at least|more than|longer than|of|by) $", re.IGNORECASE)
#: Units of a length or size: a limit counted in them is never 1.
UNITS = {"characters", "MB"}
COUNTING = re.compile(r"(?:%\((\w+)\)([sd])|\{(\w+)\})[ \u00a0]+([^\W\d_][\w-]*)")

#: Singular messages (their beginning) whose number is never 1, and why.
NEVER_ONE = {
    # The deck spreads a long quote over two slides or more; "long" means more than one.
    "Quote %(n)s is long: it is shown whole over %(count)s slides",
    "Long: the deck shows it whole over %(n)s slides",
    # Abbreviated units, the same for one and many in the three languages.
    "PDF, %(pages)s p.",
    "%(points)s pts",
    # `number` is the number of a question, not a count.
    "Tick your choices in question %(number)s first.",
    # Published cells hold at least SMALL_CELL_THRESHOLD respondents ("n = 1" is never shown).
    "n = %(n)s answered;",
    # The autosave script uses the data-saved-except-one text for one answer, this one for more.
    "Saved, except %(count)s answers:",
    # Likewise: data-saved-conflict-one says one answer, this one two or more.
    "Saved, except %(count)s answers someone else changed meanwhile",
    # Shown only when the total exceeds the contributions listed, so at least two.
    "All %(num)d contributions on the Charter",
    # Ceilings that are constants of the code, all above 1: deck_views.POINTS (the closing
    # slide's points), filter_reading.MAX_ANSWER_CONDITIONS, quotes.DECK_QUOTES.
    "At most %(n)s points (one per line)",
    "The last slide of this snapshot's deck: a title and up to %(n)s points",
    "At most %(n)s answer conditions apply at once",
    "a deck shows at most %(n)s quotes",
    # Longer than a limit of at least one character, so at least two.
    "This answer is %(length)s characters long; the limit is %(max)s.",
    # The wait in minutes is written only from 120 seconds on.
    "Too many failed sign-ins. Wait %(minutes)s minutes",
    # Fixed lifetimes, constants of the code: INVITATION_LIFETIME and LOST_LINK_MAX_AGE (7 days),
    # LIFETIMES["reset"] of staff password links (minutes), dashboard.CHART_DAYS (90).
    "The new staff member gets a link to choose their own password. It works once, for %(days)s",
    "Opening one of these links gives you a new personal link to its answers",
    "Opening this link gives you a new personal link to the answers",
    "An administrator created a staff account for you (role: %(role)s).",
    "Someone, probably you, asked to choose a new password for this staff account.",
    "Submitted responses and drafts per day, last %(days)s days at most;",
    # A mail subject whose translations put each number after its label ("masquées : 1").
    "Moderation: %(pending)s waiting, %(reported)s hidden",
}


def counting_placeholders(message: str) -> list[str]:
    """The placeholders of a message that count the word after them."""
    found = []
    for match in COUNTING.finditer(message):
        name = match.group(1) or match.group(3)
        word = match.group(4)
        if word in UNITS or THRESHOLD.search(message[: match.start()]):
            continue
        if (name in NUMBER_NAMES or match.group(2) == "d") and word not in FUNCTION_WORDS:
            found.append(f"{name} {word}")
    return found


@pytest.mark.parametrize(
    ("message", "counted"),
    [
        ("Choose at most %(max)s options.", ["max options"]),
        ("Choose up to %(n)s answers.", ["n answers"]),
        ("Write at most %(max)d characters.", []),
        ("Use at least %(min)s characters.", []),
        ("fewer than %(n)s respondents", []),
        ("A PDF file of at most %(size)s MB.", []),
        ("part %(n)s of %(total)s", []),
        ("%(count)s pledges", ["count pledges"]),
    ],
)
def test_what_counts_as_a_count(message, counted):
    assert counting_placeholders(message) == counted


def _extracted():
    with tempfile.TemporaryDirectory() as scratch:
        pot = Path(scratch) / "messages.pot"
        CommandLineInterface().run(
            ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l"]
            + ["-k", "lazy_pgettext:1c,2", "-o", str(pot)]
            + [str(ROOT / "consult"), str(ROOT / "templates")]
        )
        with pot.open("rb") as handle:
            return list(read_po(handle))


def test_every_counted_number_goes_through_ngettext():
    singular = [m for m in _extracted() if m.id and not isinstance(m.id, tuple)]
    offending = {
        m.id: (counting_placeholders(m.id), m.locations[0])
        for m in singular
        if counting_placeholders(m.id) and not m.id.startswith(tuple(NEVER_ONE))
    }
    assert offending == {}, "use ngettext (or npgettext) for these"


ONE_PAGE = {"en": "(1 page)", "fr": "(1 page)", "es": "(1 página)"}
ONE_PAGE_STAFF = {"en": "1 page ·", "fr": "1 page ·", "es": "1 página ·"}
ONE_PLEDGE = {
    "en": "chosen by 1 pledge)",
    "fr": "choisi dans 1 adhésion)",
    "es": "elegido en 1 adhesión)",
}
MANY_PAGES = ("1 pages", "1 páginas")


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_one_page_letter_and_a_once_chosen_commitment_are_singular(app, login, language):
    """The held letter line of the join form, the staff pledge page and the options page."""
    institution = Institution(app.test_client())
    institution.client.get(f"/campaign/join?lang={language}")
    # A refused form (no contact address) keeps its one-page letter and says so.
    refused = institution.send(upload=letter(), contact_email="").get_data(as_text=True)
    assert ONE_PAGE[language] in refused
    institution.join()
    staff = login(app.test_client(), "moderator")
    with app.app_context():
        pledge_id = db.session.scalar(select(Pledge.id))
    detail = staff.get(f"/staff/campaign/pledges/{pledge_id}?lang={language}")
    assert ONE_PAGE_STAFF[language] in detail.get_data(as_text=True)
    options = staff.get(f"/staff/campaign/options?lang={language}").get_data(as_text=True)
    assert ONE_PLEDGE[language] in options
    for page in (refused, detail.get_data(as_text=True), options):
        assert not any(wrong in page for wrong in MANY_PAGES)
