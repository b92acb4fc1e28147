"""The responses a snapshot covers, stored compactly: sorted ranges ("1-40,42,44-50"),
zlib-compressed, with a checksum that reading them back checks."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable


def encode_ids(ids: Iterable[int]) -> bytes:
    """Store a set of ids as sorted ranges ("1-40,42,44-50"), zlib-compressed."""
    return zlib.compress(ids_as_ranges(ids).encode("ascii"), 9)


def ids_as_ranges(ids: Iterable[int]) -> str:
    """Return sorted ids as ranges: consecutive runs become "first-last"."""
    ordered = sorted(set(int(i) for i in ids))
    parts = []
    start = previous = None
    for current in ordered:
        if start is None:
            start = previous = current
        elif current == previous + 1:
            previous = current
        else:
            parts.append(f"{start}-{previous}" if previous != start else str(start))
            start = previous = current
    if start is not None:
        parts.append(f"{start}-{previous}" if previous != start else str(start))
    return ",".join(parts)


def decode_ids(blob: bytes) -> list[int]:
    """Return the sorted ids stored by encode_ids."""
    text = zlib.decompress(blob).decode("ascii")
    ids: list[int] = []
    for part in filter(None, text.split(",")):
        first, _sep, last = part.partition("-")
        ids.extend(range(int(first), int(last or first) + 1))
    return ids


def ids_checksum(ids: Iterable[int]) -> str:
    """Return the SHA-256 of the ids written as ranges."""
    return hashlib.sha256(ids_as_ranges(ids).encode("ascii")).hexdigest()
