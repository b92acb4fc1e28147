"""A withheld figure and its base are written by one rule (consult.outcomes.withheld): "not
shown" and why, once, in brackets that never nest ("(not shown (protects a small group))" was
what the Charter pages printed). The rule in a table of cases in three languages, then a walk
over every page and download that shows published figures."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from consult.outcomes.withheld import PROTECTS, TOO_FEW, figure_text, withheld_text
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish

#: "not shown" in each language: a bracket after it never starts with it again.
NOT_SHOWN = {"en": "not shown", "fr": "non affiché", "es": "no se muestra"}


@pytest.fixture(scope="module")
def bare():
    """A bare app with the project's catalogs (no database)."""
    from consult.i18n_tools import ROOT

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "consult/outcomes/translations")
    Babel(app)
    return app


@pytest.mark.parametrize(
    ("language", "arguments", "figure", "note", "inline"),
    [
        ("en", ("3.40", "n = 120"), "3.40", "n = 120", "3.40 (n = 120)"),
        ("en", ("3.40",), "3.40", "", "3.40"),
        (
            "en",
            ("3.40", None, PROTECTS),
            "3.40",
            "n not shown: protects a small group",
            "3.40 (n not shown: protects a small group)",
        ),
        (
            "en",
            (None, None, PROTECTS),
            "not shown",
            "protects a small group",
            "not shown (protects a small group)",
        ),
        (
            "en",
            (None, None, TOO_FEW),
            "not shown",
            "fewer than 5 respondents",
            "not shown (fewer than 5 respondents)",
        ),
        # a base that says why by itself is the note; one in brackets loses them (no nesting)
        (
            "en",
            (None, "n = 12; fewer than 5 chose it"),
            "not shown",
            "n = 12; fewer than 5 chose it",
            None,
        ),
        ("en", (None, "(n = 12)"), "not shown", "n = 12", "not shown (n = 12)"),
        ("en", (None,), "not shown", "", "not shown"),
        (
            "fr",
            (None, None, PROTECTS),
            "non affiché",
            "protège un petit groupe",
            "non affiché (protège un petit groupe)",
        ),
        (
            "fr",
            ("3,40", None, PROTECTS),
            "3,40",
            "n non affiché\u00a0: protège un petit groupe",
            None,
        ),
        ("fr", (None, None, TOO_FEW), "non affiché", "moins de 5 répondants", None),
        (
            "es",
            (None, None, PROTECTS),
            "no se muestra",
            "protege a un grupo pequeño",
            "no se muestra (protege a un grupo pequeño)",
        ),
        (
            "es",
            ("3,40", None, PROTECTS),
            "3,40",
            "n no se muestra: protege a un grupo pequeño",
            None,
        ),
        ("es", (None, None, TOO_FEW), "no se muestra", "menos de 5 personas", None),
    ],
)
def test_one_rule_writes_a_figure_and_its_base(bare, language, arguments, figure, note, inline):
    figure_arg, *rest = arguments
    base = rest[0] if rest else None
    reason = rest[1] if len(rest) > 1 else None
    with bare.test_request_context("/"), force_locale(language):
        said = figure_text(figure_arg, base, reason=reason, threshold=5)
    assert (said.figure, said.note) == (figure, note)
    assert said.is_shown is (figure_arg is not None)
    if inline is not None:
        assert said.inline() == inline
    assert "(" not in said.note and NOT_SHOWN[language] not in said.note.replace(
        "n " + NOT_SHOWN[language], ""
    )


def test_a_withheld_entry_reads_the_same_through_the_rule(bare):
    with bare.test_request_context("/"), force_locale("en"):
        assert withheld_text(PROTECTS) == "not shown (protects a small group)"


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # an SVG's tooltips are text a reader sees too: keep them, drop the tags
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _bracket_faults(text: str, language: str) -> list[str]:
    """Brackets in brackets, and "not shown (not shown ...)" or "(not shown ...)" after a
    figure that is itself "not shown"."""
    faults = re.findall(r"\([^()]*\([^()]*\)[^()]*\)", text)
    word = re.escape(NOT_SHOWN[language])
    faults += re.findall(rf"{word}\s*\(\s*{word}[^)]*\)", text, flags=re.I)
    return faults


@pytest.fixture
def published(app, login):
    """45 demo responses, frozen and published: small groups get withheld, some only to
    protect a smaller one, some means print without their base."""
    fill_demo(app, 45)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    return app, admin


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_page_that_shows_figures_nests_a_withheld_explanation(published, language):
    app, admin = published
    public = app.test_client()
    pages = {"/outcomes": public, "/charter": public}
    pages.update({f"/charter/art{n:02d}": public for n in range(1, 13)})
    pages.update(
        {
            "/staff/outcomes/": admin,
            "/staff/outcomes/snapshots/1": admin,
            "/staff/outcomes/1/deck": admin,
            "/staff/outcomes/1/deck/presenter": admin,
        }
    )
    faults, withheld_seen = {}, 0
    for path, client in pages.items():
        reply = client.get(f"{path}?lang={language}")
        assert reply.status_code == 200, path
        text = _text(reply.get_data(as_text=True))
        withheld_seen += text.count(NOT_SHOWN[language])
        if found := _bracket_faults(text, language):
            faults[path] = found[:3]
    assert withheld_seen, "the dataset must withhold figures for the walk to mean anything"
    assert faults == {}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_charter_figures_download_says_not_shown_once(published, language):
    app, _admin = published
    client = app.test_client()
    hidden = 0
    for n in range(1, 13):
        reply = client.get(f"/charter/art{n:02d}/figures.csv?lang={language}")
        assert reply.status_code == 200
        rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
        for label, value, note, *_rest in rows[1:]:
            if value == NOT_SHOWN[language]:
                hidden += 1
                assert NOT_SHOWN[language] not in note and "(" not in note, (label, note)
    assert hidden
