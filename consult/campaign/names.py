"""Institution names folded for duplicate detection: the same government typed twice matches."""

from __future__ import annotations

import re
import unicodedata

#: Words that say what kind of government a name is, not which one: "City of Utrecht",
#: "Ville de Grigny", "Ayuntamiento de Barcelona" and "Utrecht" are the same institution
#: when the country is the same.
_GENERIC_WORDS = frozenset(
    word
    for line in (
        "the of de del des du la le les los las el l d y and et e",
        "city town municipality municipal council county metropolitan metropolis government",
        "local regional region province",
        "ville commune municipalite mairie metropole conseil gouvernement departement",
        "ciudad municipio municipalidad ayuntamiento alcaldia intendencia gobierno prefeitura",
        "cidade metropolitano metropolitana provincia diputacion",
        "ajuntament ciutat concello gemeente stadt stad kommune comune citta",
    )
    for word in line.split()
)
_NOT_WORD = re.compile(r"[^\w]+")


def normalise_name(name: str) -> str:
    """Return ``name`` folded: no accents, lower case, no punctuation nor generic words.

    If only generic words are left out of everything ("City Council"), the folded words are
    kept as they are, so that a name never folds to nothing.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = [w for w in _NOT_WORD.sub(" ", bare).replace("_", " ").split() if w]
    specific = [w for w in words if w not in _GENERIC_WORDS]
    return " ".join(specific or words)[:200]
