"""The live state keeps each response as numbers, not as Python objects (issue 17).

At 100,000 responses the state must fit in a worker under the 512 MiB bound that retires it
(consult.serving): it held about 10 KiB per response when each response kept its records,
texts and analyses as objects (1,010 MiB), and holds under 1 KiB now (81 MiB; the benchmark
benchmarks/outcomes_speed.py prints the figure at full size). Here the marginal cost of a
response is measured with tracemalloc (numpy and pandas report their buffers to it) between two
sizes, so the fixed part (definitions, strings, the summary) cancels out.
"""

from __future__ import annotations

import gc
import shutil
import tracemalloc

import pytest

from consult.db import db
from consult.outcomes import live
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_live import _sources

#: Bytes a submitted response may add to the live state: measured here 1,600 (8,500 when the
#: state kept each response's records and texts as objects); about 850 at 100,000 responses.
MARGINAL_BYTES = 3_000
SIZES = (150, 450)


@pytest.fixture
def memory_app(tmp_path, template_instance):
    from consult import create_app
    from consult.cli import init_database
    from tests.conftest import PG_URL, _reset_postgres, base_config

    if not PG_URL:
        shutil.copy(template_instance / "consult.sqlite3", tmp_path / "consult.sqlite3")
    app = create_app(base_config(tmp_path, INSTANCE_PATH=str(tmp_path)))
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        init_database(app)
    live.reset()
    yield app
    live.reset()
    app.extensions["consult.db"].engine.dispose()


def _state_bytes(app) -> int:
    """Bytes still allocated once the live state is built (the state and its summary)."""
    live.reset()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with app.app_context():
            live.live_summary(db.engine, _sources(app))
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_response_adds_little_to_the_live_state(memory_app):
    fill_demo(memory_app, SIZES[0], seed=11)
    _state_bytes(memory_app)  # the first build also fills the process's lasting caches
    small = _state_bytes(memory_app)
    fill_demo(memory_app, SIZES[1] - SIZES[0], seed=12)
    large = _state_bytes(memory_app)
    with memory_app.app_context():
        parts = live.state_size()
    marginal = (large - small) / (SIZES[1] - SIZES[0])
    print(
        f"live state: {small / 1024:.0f} KiB at about {SIZES[0]} responses, "
        f"{large / 1024:.0f} KiB at about {SIZES[1]}: {marginal:.0f} bytes per response; "
        f"parts {parts}"
    )
    assert marginal < MARGINAL_BYTES
