"""Near-duplicate detection: character shingles, MinHash signatures and LSH bands.

A coordinated campaign or a double post produces texts that differ only in a few words,
punctuation or case. Each contribution gets a MinHash signature of its 5-character shingles;
the signature is cut into bands stored in the database, so candidates are found with one
indexed query (contributions sharing a band) instead of comparing every pair. Candidates are
then confirmed with the exact Jaccard similarity of their shingle sets.

With 16 bands of 4 rows, a pair at similarity 0.8 becomes a candidate with probability
1 - (1 - 0.8**4)**16 > 0.999; a pair at 0.3 with probability 0.12, and is then discarded by the
exact check. Pure Python, no Flask.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

SHINGLE_SIZE = 5
BANDS = 16
ROWS_PER_BAND = 4
SIGNATURE_SIZE = BANDS * ROWS_PER_BAND
#: Default similarity from which two contributions are flagged as near twins.
DEFAULT_THRESHOLD = 0.8

_MERSENNE = (1 << 61) - 1
#: Fixed, reproducible hash family: signatures stored today must match those computed later.
_COEFFICIENTS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big")
        % (_MERSENNE - 1)
        + 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big")
        % _MERSENNE,
    )
    for i in range(SIGNATURE_SIZE)
]
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Fold case, compatibility forms and accents; keep letters and digits, single-spaced."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", without_marks).split())


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """Return the set of overlapping character n-grams of the normalised text."""
    flat = normalise(text)
    if len(flat) <= size:
        return frozenset([flat]) if flat else frozenset()
    return frozenset(flat[i : i + size] for i in range(len(flat) - size + 1))


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    """Return |A ∩ B| / |A ∪ B| (0 for two empty sets)."""
    if not first and not second:
        return 0.0
    return len(first & second) / len(first | second)


def similarity(first: str, second: str) -> float:
    """Return the Jaccard similarity of two texts' shingle sets."""
    return jaccard(shingles(first), shingles(second))


def signature(shingle_set: Iterable[str]) -> list[int]:
    """Return the MinHash signature of a shingle set (SIGNATURE_SIZE integers)."""
    hashed = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big")
        for s in shingle_set
    ]
    if not hashed:
        return [_MERSENNE] * SIGNATURE_SIZE
    return [min((a * h + b) % _MERSENNE for h in hashed) for a, b in _COEFFICIENTS]


def band_keys(text: str) -> list[str]:
    """Return the LSH band keys of a text: equal keys in the same band make a candidate pair."""
    values = signature(shingles(text))
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND]
        digest = hashlib.blake2b(
            ",".join(map(str, rows)).encode(), digest_size=8, person=b"band%02d" % band
        ).hexdigest()
        keys.append(f"{band:02d}:{digest}")
    return keys
