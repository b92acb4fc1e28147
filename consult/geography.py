"""Countries (names from CLDR through Babel) and UCLG's regional sections."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import yaml
from babel import Locale

#: UCLG's seven regional sections, the keys stored in answers and exports.
REGION_KEYS = (
    "africa",
    "asia_pacific",
    "eurasia",
    "europe",
    "latin_america",
    "mewa",
    "north_america",
)

#: CLDR territory codes that are not countries or territories a respondent lives in.
_PSEUDO_TERRITORIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}


@functools.cache
def country_codes() -> tuple[str, ...]:
    """Return the ISO 3166-1 alpha-2 codes CLDR names, sorted."""
    names = Locale("en").territories
    return tuple(
        sorted(c for c in names if len(c) == 2 and c.isalpha() and c not in _PSEUDO_TERRITORIES)
    )


#: Letters that decomposition leaves whole but an alphabetical order reads as plain letters.
_FOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})

_Item = TypeVar("_Item")


def collation_key(text: str, language: str) -> tuple[str, str, str]:
    """How ``text`` sorts among names in ``language``: accents and case only break ties, as in
    CLDR's collation ("Égypte" among the E, "Perú" with "Peru"); Spanish keeps ñ a letter of
    its own, after n. The one order of every list of names (countries, regions).

    A plain key, not ICU: the project has no ICU binding, and for country and region names in
    English, French and Spanish these rules give CLDR's order.
    """
    folded = text.casefold()
    if language == "es":
        folded = folded.replace("n\u0303", "ñ").replace("ñ", "n\U0010ffff")
    base = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    ).translate(_FOLDED)
    # Then accents, then case (lower case first, as CLDR's tertiary level).
    return base, unicodedata.normalize("NFC", folded), unicodedata.normalize("NFC", text).swapcase()


def sorted_by_name(
    items: Iterable[_Item], name: Callable[[_Item], str], language: str
) -> list[_Item]:
    """Return ``items`` in the alphabetical order of their names in ``language``."""
    return sorted(items, key=lambda item: collation_key(name(item), language))


def countries_by_name(codes: Iterable[str], language: str) -> list[str]:
    """Return country codes in the alphabetical order of their names in ``language``."""
    return sorted_by_name(codes, lambda code: country_name(code, language), language)


@functools.cache
def country_names(language: str) -> dict[str, str]:
    """Return code -> country name in ``language``, in that language's alphabetical order."""
    names = Locale.parse(language).territories
    codes = country_codes()
    pairs = [(c, names.get(c, c)) for c in codes]
    return dict(sorted_by_name(pairs, lambda item: item[1], language))


def country_name(code: str | None, language: str) -> str:
    """Return the name of one country in ``language`` (the code itself if unknown)."""
    if not code:
        return ""
    return country_names(language).get(code, code)


@functools.cache
def _regions_file(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def default_region_map(questionnaires_path: str) -> dict[str, str]:
    """Return the default country -> region mapping shipped in questionnaires/regions.yaml."""
    return dict(_default_regions(questionnaires_path))


@functools.cache
def _default_regions(questionnaires_path: str) -> dict[str, str]:
    # Read once per folder, like _regions_file: callers get copies, region_of reads it as is.
    path = Path(questionnaires_path) / "regions.yaml"
    if not path.exists():
        return {}
    return dict(_regions_file(str(path)).get("countries", {}))


def region_labels(questionnaires_path: str) -> dict[str, dict[str, str]]:
    """Return region key -> {language: label}."""
    path = Path(questionnaires_path) / "regions.yaml"
    labels = {key: {"en": key, "fr": key, "es": key} for key in REGION_KEYS}
    if path.exists():
        for region in _regions_file(str(path)).get("regions", []):
            labels[region["key"]] = region["label"]
    return labels


#: Staff corrections to the default mapping (country -> region), kept in the database by the
#: staff workspace; a callable so that this module needs no database of its own.
_override_source = None


def set_override_source(source) -> None:
    """Register the staff's corrections: ``source(country=None)`` returns country -> region.

    Given a country, the source returns that country's correction only (or nothing).
    """
    global _override_source
    _override_source = source


def region_map(questionnaires_path: str) -> dict[str, str]:
    """Return the country -> region mapping in force: the defaults with the staff's corrections."""
    mapping = default_region_map(questionnaires_path)
    if _override_source is not None:
        mapping = {**mapping, **_override_source()}
    return mapping


def region_of(questionnaires_path: str, country: str) -> str | None:
    """Return the region in force for one country (one indexed lookup, not the whole map)."""
    if not country:
        return None
    if _override_source is not None:
        corrected = _override_source(country)
        if country in corrected:
            return corrected[country]
    return _default_regions(questionnaires_path).get(country)
