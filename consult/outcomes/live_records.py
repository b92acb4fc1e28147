"""Variable-length integer records by response id, all in one buffer (for the live summary).

The live state keeps, for each submitted response, what it added to the summary (the codes of
its closed answers, its texts' analysis) so that it can take it away again when the response
changes or goes. Kept as one Python object per response (tuples of tuples, small ints, a
dataclass), that cost some 3.5 KiB a response, over 400 MiB at 100,000 responses, and millions
of objects for the garbage collector to walk. Here every record is a slice of one int32 buffer,
found through two arrays indexed by response id: no Python object per response at all. A
record taken away leaves a hole; the buffer is compacted when holes fill half of it. No Flask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Response ids are array indexes here: a larger one means ids no longer look like row ids.
LARGEST_ID = 2**31 - 1


class Records:
    """int32 records by non-negative integer key (a response id), one record per key."""

    def __init__(self) -> None:
        self._buffer = np.empty(4096, dtype=np.int32)
        self._used = 0
        self._holes = 0
        self._count = 0
        self._start = np.zeros(0, dtype=np.int64)
        #: -1: no record under this key.
        self._length = np.full(0, -1, dtype=np.int32)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: int) -> bool:
        return 0 <= key < len(self._length) and bool(self._length[key] >= 0)

    def put(self, key: int, values: Sequence[int] | np.ndarray) -> None:
        """Keep ``values`` under ``key`` (replacing its record, if any)."""
        if not 0 <= key <= LARGEST_ID:
            raise ValueError(f"record key out of range: {key}")
        if isinstance(values, np.ndarray) and values.dtype != np.int32:
            raise TypeError("records hold int32 arrays or lists of ints")
        # From a list, a value that does not fit raises OverflowError rather than wrapping.
        record = np.asarray(values, dtype=np.int32)
        self.pop(key)
        if key >= len(self._length):
            size = max(key + 1, 2 * len(self._length), 1024)
            self._start = np.concatenate([self._start, np.zeros(size - len(self._start), np.int64)])
            self._length = np.concatenate(
                [self._length, np.full(size - len(self._length), -1, np.int32)]
            )
        needed = self._used + len(record)
        if needed > len(self._buffer) and self._holes * 2 >= self._used:
            self._compact()
            needed = self._used + len(record)
        if needed > len(self._buffer):
            # Grown in place where the allocator can (no reference to the buffer leaves this
            # class: get() returns copies); room never written to is not resident memory.
            self._buffer.resize(max(needed, 2 * len(self._buffer)), refcheck=False)
        self._buffer[self._used : self._used + len(record)] = record
        self._start[key] = self._used
        self._length[key] = len(record)
        self._used += len(record)
        self._count += 1

    def get(self, key: int) -> np.ndarray | None:
        """The record under ``key`` (a copy), or None."""
        if key not in self:
            return None
        start = int(self._start[key])
        return self._buffer[start : start + int(self._length[key])].copy()

    def pop(self, key: int) -> np.ndarray | None:
        """Take away the record under ``key`` and return it, or None if there is none."""
        record = self.get(key)
        if record is not None:
            self._length[key] = -1
            self._holes += len(record)
            self._count -= 1
        return record

    def _compact(self) -> None:
        """Move every record towards the front of the buffer, in place, closing the holes.

        One record at a time rather than one gather over the whole buffer, whose index arrays
        would take several times the buffer's memory at once."""
        keys = np.flatnonzero(self._length >= 0)
        keys = keys[np.argsort(self._start[keys], kind="stable")]
        buffer, at = self._buffer, 0
        for start, length in zip(
            self._start[keys].tolist(), self._length[keys].tolist(), strict=True
        ):
            if start != at:
                buffer[at : at + length] = buffer[start : start + length]
            at += length
        self._start[keys] = np.cumsum(self._length[keys], dtype=np.int64) - self._length[keys]
        self._used, self._holes = at, 0

    def nbytes(self) -> int:
        """Bytes in use: the records (holes included) and the index arrays."""
        return 4 * self._used + self._start.nbytes + self._length.nbytes
