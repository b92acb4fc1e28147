"""Every French text the project ships sets off ":" ";" "?" "!" "»" (before) and "«" (after)
with a no-break space (U+00A0), so that no line ever starts with the punctuation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import french_typography as typography
from tests.french_typography import NBSP, fix, problems

N = NBSP

#: (text, the places where a no-break space is wanted, as (start, end) in the text)
CASES = [
    # Good: already a no-break space, or nothing to set off.
    (f"Nom{N}: %(name)s", []),
    (f"Vraiment{N}?", []),
    (f"Attention{N}!", []),
    (f"un{N}; deux", []),
    (f"«{N}ville{N}»", []),
    ("Bonjour.", []),
    ("", []),
    # Bad: a plain space, a narrow no-break space (not the project's convention), several.
    ("Nom : %(name)s", [(3, 4)]),
    ("Vraiment ?", [(8, 9)]),
    ("Attention !", [(9, 10)]),
    ("un ; deux", [(2, 3)]),
    ("« ville »", [(1, 2), (7, 8)]),
    ("Vraiment\u202f?", [(8, 9)]),
    ("Nom  :", [(3, 5)]),
    # Bad: the space missing, where prose goes on after the punctuation.
    ("Nom: Dupont", [(3, 3)]),
    ("Bonjour!", [(7, 7)]),
    ("Pourquoi?</p>", [(8, 8)]),
    ("«ville»", [(1, 1), (6, 6)]),
    ("(facultatif):", [(12, 12)]),
    # Placeholders: fixed like words.
    ("%(country)s : %(num)d", [(11, 12)]),
    ("{questionnaire}:", [(15, 15)]),
    ("%(a)s:%(b)s", []),
    # URLs, query strings, times, ratios, entities, ellipses, "?!": left alone.
    ("Voir https://example.org/a?lang=fr&x=1 ou mailto:cisdp@uclg.org.", []),
    ("Séance à 12:15, salle 3", []),
    ("Séance à 12 h 15", []),
    ("Un rapport de 3:1", []),
    ("Tom &amp; Jerry, &#160;, &#xA0;", []),
    (f"Et alors…{N}?", []),
    (f"Quoi{N}?!", []),
    ("<a href='/x?y=1'>lien</a>", []),
    ("**Note** : voir", [(8, 9)]),
]


@pytest.mark.parametrize(("text", "wanted"), CASES)
def test_the_checker_finds_each_place(text: str, wanted: list[tuple[int, int]]):
    assert [(p.start, p.end) for p in problems(text)] == wanted


@pytest.mark.parametrize(("text", "wanted"), CASES)
def test_fixing_leaves_nothing_to_fix_and_is_idempotent(text: str, wanted):
    fixed = fix(text)
    assert problems(fixed) == []
    assert fix(fixed) == fixed
    # Only spaces change.
    assert _unspaced(fixed) == _unspaced(text)
    assert fixed.count(N) - text.count(N) == len(wanted)


def _unspaced(text: str) -> str:
    return "".join(text.split())


def test_fixing_a_catalog_changes_only_french_msgstr_in_their_own_lines(tmp_path: Path):
    catalog = tmp_path / "messages.po"
    catalog.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Name: %(name)s"\nmsgstr "Nom : %(name)s"\n\n'
        'msgid ""\n"A long message: wrapped over lines"\n'
        'msgstr ""\n"Un long message, coupé "\n": sur plusieurs lignes « \\"ok\\" »"\n\n'
        'msgid "One ?"\nmsgid_plural "Many ?"\nmsgstr[0] "Un ?"\nmsgstr[1] "Des ?"\n'
        'msgstr[2] "Beaucoup ?"\n',
        encoding="utf-8",
    )
    typography.fix_catalog(catalog)
    assert catalog.read_text(encoding="utf-8") == (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "Name: %(name)s"\nmsgstr "Nom{N}: %(name)s"\n\n'
        'msgid ""\n"A long message: wrapped over lines"\n'
        f'msgstr ""\n"Un long message, coupé{N}"\n": sur plusieurs lignes «{N}\\"ok\\"{N}»"\n\n'
        f'msgid "One ?"\nmsgid_plural "Many ?"\nmsgstr[0] "Un{N}?"\nmsgstr[1] "Des{N}?"\n'
        f'msgstr[2] "Beaucoup{N}?"\n'
    )
    before = catalog.read_text(encoding="utf-8")
    typography.fix_catalog(catalog)
    assert catalog.read_text(encoding="utf-8") == before


def test_every_kind_of_french_source_is_read():
    """A guard against a silent reader: each kind of source holds French texts."""
    wheres = [text.where for text in typography.sources()]
    for kind in ("translations/fr/LC_MESSAGES/messages.po", "questionnaires/charter.yaml"):
        assert sum(kind in where for where in wheres) > 10, kind
    for kind in ("questionnaires/partners.yaml", "demo_texts.yaml", "exports/columns.py"):
        assert any(kind in where for where in wheres), kind


def _texts(path: Path):
    if path.suffix == ".po":
        return typography.catalog_texts(path)
    if path.suffix == ".yaml":
        return typography.yaml_texts(path)
    return typography.python_texts(path)


@pytest.mark.parametrize(
    "path",
    [*typography.catalog_files(), *typography.yaml_files(), None],
    ids=lambda p: "python sources" if p is None else str(p.relative_to(typography.ROOT)),
)
def test_french_texts_use_a_no_break_space(path: Path | None):
    """Fix with: PYTHONPATH=. .venv/bin/python -m tests.french_typography --fix (catalogs and
    YAML); French literals in Python by hand, written with \\u00a0."""
    paths = typography.python_files() if path is None else [path]
    wrong = [
        f"{text.where}: {' | '.join(p.describe(text.text) for p in problems(text.text))}"
        for source in paths
        for text in _texts(source)
        if problems(text.text)
    ]
    assert wrong == []
