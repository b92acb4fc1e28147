"""Keep the gettext catalogs of every feature up to date: `python -m consult.i18n_tools extract`.

Each feature folder owns its catalog (consult/<feature>/translations), so features can be
translated, and changed, independently; Flask-Babel merges them at run time.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "es")

#: Catalog folder -> the sources (Python and templates) whose messages it holds.
CATALOGS: dict[str, list[str]] = {
    "consult/translations": [
        "consult/__init__.py",
        "consult/i18n.py",
        "consult/core",
        "consult/questionnaires",
        "templates/base.html",
        "templates/_nav.html",
        "templates/_leaving.html",
        "templates/_table_scroll.html",
        "templates/error.html",
        "templates/core",
        "templates/questionnaires",
    ],
    "consult/contributions/translations": [
        "consult/contributions",
        "templates/charter",
        "templates/contributions",
        "templates/moderation",
    ],
    "consult/staff/translations": [
        "consult/staff",
        "templates/staff",
    ],
    "consult/outcomes/translations": [
        "consult/outcomes",
        "templates/outcomes",
    ],
    "consult/mail/translations": [
        "consult/mail",
        "templates/mail",
    ],
    "consult/campaign/translations": [
        "consult/campaign",
        "templates/campaign",
    ],
}


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    """Extract each catalog's messages and merge them into its fr and es catalogs."""
    for folder, sources in CATALOGS.items():
        target = ROOT / folder
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            pot = Path(scratch) / "messages.pot"
            existing = [str(ROOT / s) for s in sources if (ROOT / s).exists()]
            _pybabel(
                "extract",
                "-F",
                str(ROOT / "babel.cfg"),
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-k",
                "lazy_pgettext:1c,2",
                "--no-location",
                "--sort-output",
                "-o",
                str(pot),
                *existing,
            )
            for language in LANGUAGES:
                po = target / language / "LC_MESSAGES" / "messages.po"
                if po.exists():
                    _pybabel(
                        "update",
                        "--no-fuzzy-matching",
                        "-i",
                        str(pot),
                        "-d",
                        str(target),
                        "-l",
                        language,
                    )
                else:
                    _pybabel("init", "-i", str(pot), "-d", str(target), "-l", language)
        print(f"updated {folder}")


if __name__ == "__main__":
    if sys.argv[1:] != ["extract"]:
        raise SystemExit("usage: python -m consult.i18n_tools extract")
    extract()
