"""Compiled translations are never older than their catalogs: checked as the app is created.

Flask-Babel reads the compiled ``.mo`` files, but the sources of truth are the ``.po``
catalogs in each feature's translations folder. `make run` and `make test` compile them; a
server started another way (`consult serve` after a pull, a deployment that copies the tree)
would otherwise show English on French and Spanish pages for every text added since the last
compile, with no sign of it. ``compile_stale`` compiles each catalog whose ``.mo`` is missing
or older than its ``.po`` (as `pybabel compile` does: fuzzy entries left out), written to a
temporary file and moved into place, so that several workers or hosts starting together never
read half a file. Where the folder cannot be written (a read-only install), each stale catalog
is logged as an error naming the command that fixes it, and the app starts all the same.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)


def stale_catalogs(directories: Iterable[str | Path]) -> list[Path]:
    """Return the ``.po`` files under ``directories`` whose ``.mo`` is missing or older."""
    stale = []
    for directory in directories:
        for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            try:
                if mo.stat().st_mtime >= po.stat().st_mtime:
                    continue
            except FileNotFoundError:
                pass
            stale.append(po)
    return stale


def compile_catalog(po: Path) -> None:
    """Compile ``po`` into the ``.mo`` next to it, atomically (fuzzy entries left out)."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    handle, temporary = tempfile.mkstemp(dir=po.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.replace(temporary, po.with_suffix(".mo"))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def compile_stale(directories: Iterable[str | Path]) -> list[Path]:
    """Compile every stale catalog under ``directories``; return the ones compiled.

    A catalog that cannot be compiled here is logged (error) and left: the pages it
    translates fall back to English until `make translations` is run."""
    compiled = []
    for po in stale_catalogs(directories):
        try:
            compile_catalog(po)
        except OSError as error:
            log.error(
                "the translations of %s are older than the catalog and could not be compiled "
                "here (%s): run `make translations`",
                po,
                type(error).__name__,
            )
            continue
        log.warning("compiled translations older than their catalog: %s", po)
        compiled.append(po)
    return compiled
