"""The live state's per-response records in one buffer, against a plain dict."""

from __future__ import annotations

import random

import numpy as np
import pytest

from consult.outcomes.live_records import Records


@pytest.mark.parametrize(
    "steps",
    [
        [("put", 3, [1, 2, 3])],
        [("put", 3, [1, 2, 3]), ("pop", 3)],
        [("put", 3, [1, 2, 3]), ("put", 3, [9])],  # a second put replaces
        [("put", 0, []), ("put", 1, [7])],  # an empty record is a record
        [("pop", 5)],  # nothing to take away
        [("put", 5000, [1]), ("put", 2, [-(2**31), 2**31 - 1])],  # keys and values at the ends
        [("put", 1, [1] * 3000), ("put", 2, [2] * 3000), ("pop", 1), ("put", 3, [3] * 3000)],
    ],
)
def test_records_hold_what_was_put_and_forget_what_was_taken(steps):
    records, expected = Records(), {}
    for step in steps:
        if step[0] == "put":
            _kind, key, values = step
            records.put(key, values)
            expected[key] = values
        else:
            _kind, key = step
            popped = records.pop(key)
            want = expected.pop(key, None)
            assert (popped.tolist() if popped is not None else None) == want
    _same(records, expected)


def test_records_survive_many_replacements_and_compactions():
    records, expected = Records(), {}
    chance = random.Random(17)
    for _ in range(20_000):
        key = chance.randrange(600)
        if chance.random() < 0.3:
            popped = records.pop(key)
            assert (popped.tolist() if popped is not None else None) == expected.pop(key, None)
        else:
            values = [chance.randrange(-(2**31), 2**31) for _ in range(chance.randrange(40))]
            records.put(key, values)
            expected[key] = values
    _same(records, expected)
    # Holes were reclaimed: the buffer stays within a small multiple of what is kept.
    kept = sum(len(v) for v in expected.values())
    assert records.nbytes() < 4 * 4 * kept + 64 * 1024


@pytest.mark.parametrize(
    ("key", "values", "error"),
    [
        (-1, [1], ValueError),
        (2**31, [1], ValueError),
        (1, [2**31], OverflowError),
        (1, [-(2**31) - 1], OverflowError),
        (1, np.array([1], dtype=np.int64), TypeError),  # would wrap silently
    ],
)
def test_records_refuse_what_they_cannot_hold(key, values, error):
    records = Records()
    with pytest.raises(error):
        records.put(key, values)
    assert len(records) == 0


def _same(records: Records, expected: dict) -> None:
    assert len(records) == len(expected)
    for key in range(max(expected, default=0) + 2):
        got = records.get(key)
        assert (got.tolist() if got is not None else None) == expected.get(key)
        assert (key in records) == (key in expected)
