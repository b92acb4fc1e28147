"""Fixtures of the fault and load tests: a fresh database per backend, and a findings report.

Each test says what it did and what it found through ``findings``: the lines are printed at once
(even without -s) and again in a "reliability findings" section at the end of the run, so the
figures can be quoted from the test log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import scratch_postgres

_FINDINGS: list[str] = []

BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite_only),
    pytest.param("postgresql"),
]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print every finding again at the end of the run."""
    if _FINDINGS:
        terminalreporter.section("reliability findings")
        for line in _FINDINGS:
            terminalreporter.write_line(line)


@pytest.fixture
def findings(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture) -> Callable[..., None]:
    """Report a line of what a test did or found."""
    name = request.node.name

    def say(line: str) -> None:
        _FINDINGS.append(f"{name}: {line}")
        with capsys.disabled():
            print(f"\n  [{name}] {line}", flush=True)

    return say


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """An empty instance folder."""
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


@pytest.fixture
def database_url(request: pytest.FixtureRequest, instance: Path) -> Iterator[str]:
    """A fresh, empty database of the backend the test is parametrised with."""
    backend = request.param
    if backend == "sqlite":
        yield f"sqlite:///{instance / 'consult.sqlite3'}"
        return
    with scratch_postgres(request.node.originalname.removeprefix("test_")[:20]) as url:
        yield url
