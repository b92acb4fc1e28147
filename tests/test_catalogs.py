"""Compiled translations are never older than their catalogs (consult/catalogs.py): a server
started without `make translations` after a catalog changed compiles it as the app is created,
instead of showing English on French and Spanish pages."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from flask_babel import get_domain, gettext

from consult import catalogs

CATALOG = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: {language}\\n"

msgid "Your answers are saved."
msgstr "{saved}"

#, fuzzy
msgid "Not sent"
msgstr "{fuzzy}"
"""


def write_catalog(folder: Path, language: str, saved: str, fuzzy: str = "") -> Path:
    po = folder / language / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(CATALOG.format(language=language, saved=saved, fuzzy=fuzzy), encoding="utf-8")
    return po


def age(path: Path, seconds: float) -> None:
    """Make ``path`` look ``seconds`` older than now."""
    moment = path.stat().st_mtime - seconds
    os.utime(path, (moment, moment))


@pytest.mark.parametrize(
    ("state", "compiled"),
    [
        ("no .mo", True),
        (".mo older than .po", True),
        (".mo as new as .po", False),
        (".mo newer than .po", False),
    ],
)
def test_a_catalog_is_compiled_when_its_mo_is_missing_or_older(tmp_path, state, compiled):
    po = write_catalog(tmp_path, "fr", "Vos réponses sont enregistrées.")
    mo = po.with_suffix(".mo")
    if state != "no .mo":
        catalogs.compile_catalog(po)
        if state == ".mo older than .po":
            age(mo, 60)
        elif state == ".mo as new as .po":
            os.utime(mo, (po.stat().st_mtime, po.stat().st_mtime))
        else:
            age(po, 60)
    before = mo.stat().st_mtime_ns if mo.exists() else None
    assert catalogs.compile_stale([tmp_path]) == ([po] if compiled else [])
    assert catalogs.stale_catalogs([tmp_path]) == []
    if not compiled:
        assert mo.stat().st_mtime_ns == before  # left as it was
    assert not list(po.parent.glob(".*.tmp"))  # no temporary file left behind


def test_the_app_compiles_a_changed_catalog_and_translates_with_it(make_app, tmp_path, monkeypatch):
    po = write_catalog(tmp_path, "fr", "Ancienne traduction.")
    catalogs.compile_catalog(po)
    write_catalog(tmp_path, "fr", "Vos réponses sont enregistrées.", fuzzy="Pas envoyé")
    age(po.with_suffix(".mo"), 60)  # the catalog changed after the last compile
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    with app.test_request_context("/?lang=fr"):
        # Flask-Babel keeps the translations it loaded per language for the whole process:
        # this app's own folder is read afresh.
        monkeypatch.setattr(get_domain(), "cache", {})
        assert gettext("Your answers are saved.") == "Vos réponses sont enregistrées."
        assert gettext("Not sent") == "Not sent"  # fuzzy: left out, as pybabel compile does


def test_a_catalog_that_cannot_be_compiled_is_logged_and_the_app_starts(
    make_app, tmp_path, monkeypatch, caplog
):
    po = write_catalog(tmp_path, "es", "Sus respuestas están guardadas.")

    def refused(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(catalogs, "compile_catalog", refused)
    with caplog.at_level(logging.ERROR, logger="consult.catalogs"):
        app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    assert app is not None
    message = next(r.getMessage() for r in caplog.records if r.name == "consult.catalogs")
    assert str(po) in message and "make translations" in message


def test_every_catalog_of_the_app_is_compiled_after_the_app_is_created(app):
    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert len(folders) >= 6
    assert catalogs.stale_catalogs(folders) == []
