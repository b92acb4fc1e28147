"""The deck's text measure and the sharing out of key findings between slides (deck_fit)."""

from __future__ import annotations

import pytest

from consult.outcomes import deck_fit
from consult.outcomes.deck_fit import FindingText, Page

ROOM = 25.0
SHORT = FindingText([("42%", "42% of the 120 respondents who answered chose “Yes”.")], "Q?", ["n"])
SENTENCE = (
    "« VIII. Droit de réunion pacifique, d'association et de constituer un syndicat » a la "
    "note moyenne la plus basse : 2,4 sur une échelle de 1 à 4, d'après les 227 répondants "
    "qui lui ont donné une note (les réponses « je ne sais pas » ne comptent pas)."
)
TALL = FindingText([("3,4/4", SENTENCE), ("2,4/4", SENTENCE)], "Quelle pertinence ?", ["n = 227"])
GIANT = FindingText([("1", SENTENCE * 6)], "Q?", ["n"])


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([], [Page(())]),
        ([SHORT] * 4, [Page((0, 1, 2, 3))]),
        # two tall findings fill a slide: four go on two slides, two and two
        ([TALL] * 4, [Page((0, 1)), Page((2, 3))]),
        # the same number of slides, spread as evenly as they fit (not 2 + 1 but 2 + 1 is all
        # three can do when a tall pair fills a slide)
        ([TALL, TALL, SHORT], [Page((0, 1)), Page((2,))]),
        ([SHORT, TALL, TALL, TALL, SHORT], None),
        # a finding taller than a slide in half its width takes the whole width, alone
        ([SHORT, GIANT, SHORT], [Page((0,)), Page((1,), columns=1), Page((2,))]),
    ],
)
def test_findings_are_shared_out_whole_in_order_and_each_slide_fits(findings, expected):
    pages = deck_fit.share_out(findings, ROOM)
    if expected is not None:
        assert pages == expected
    # every finding once, in order
    assert [i for page in pages for i in page.indexes] == list(range(len(findings)))
    for page in pages:
        heights = [
            deck_fit.finding_height(findings[i], deck_fit.column_width(page.columns))
            for i in page.indexes
        ]
        if page.columns == 2 or len(page.indexes) > 1:
            assert deck_fit.grid_height(heights, page.columns) <= ROOM


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("", 10, 0),
        ("word", 10, 1),
        ("aaa aaa aaa", deck_fit.text_width("aaa aaa") + 0.01, 2),
        ("aaa aaa aaa", deck_fit.text_width("aaa aaa aaa") + 0.01, 1),
        # a word longer than the line breaks anywhere, as overflow-wrap does
        ("x" * 60, 10, 4),
        # a no-break space (French: « 42 % ») never breaks
        (
            "aaaa\u00a0bbbb\u00a0cccc",
            4,
            1 + int(deck_fit.text_width("aaaa\u00a0bbbb\u00a0cccc") // 4),
        ),
    ],
)
def test_lines_are_counted_as_the_browser_wraps_them(text, width, lines):
    assert deck_fit.line_count(text, width) == lines


def test_a_continued_slide_has_the_room_of_the_first():
    kicker = "Questionnaire destiné aux collectivités locales et régionales · 237 réponses"
    foot = "Données au 3 décembre 2026, 11:47 CET · Les parts portent sur les répondants."
    first = deck_fit.findings_room(kicker, "Principaux enseignements", foot)
    continued = deck_fit.findings_room(kicker, "Principaux enseignements (suite)", foot)
    assert first == continued
    # the grid starts below the kicker and the title, inside the slide
    assert deck_fit.PADDING[0] < deck_fit.findings_top(kicker, "Principaux enseignements") < 8
    assert 20 < first < deck_fit.SLIDE_HEIGHT
