"""`consult demo` says what this run made, apart from what the database holds from every run."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from consult.contributions.models import Contribution
from consult.db import db


def _statuses(app, after_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Contribution.status, func.count())
            .where(Contribution.id > after_id)
            .group_by(Contribution.status)
        ).all()
    return {status: n for status, n in rows}


def _line(output: str, start: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith(start)]
    return line


def test_two_runs_in_a_row_each_report_their_own_figures_then_the_totals(app, runner):
    first = runner.invoke(
        args=["demo", "--responses", "10", "--contributions", "30", "--seed", "1"]
    )
    assert first.exit_code == 0, first.output
    with app.app_context():
        last_of_first = db.session.scalar(select(func.max(Contribution.id)))
    second = runner.invoke(
        args=["demo", "--responses", "5", "--contributions", "20", "--seed", "2"]
    )
    assert second.exit_code == 0, second.output

    assert "this run made 5 submitted demo responses and 1 draft (seed 2)" in second.output
    made = _line(second.output, "this run made 20 demo contributions: ")
    reported = {status: int(n) for n, status in re.findall(r"(\d+) (\w+)", made.split(": ", 1)[1])}
    # exactly the statuses of the second run's 20, not of all 50 demo contributions
    assert reported == _statuses(app, last_of_first) and sum(reported.values()) == 20
    assert "this run made no demo campaign pledges" in second.output
    totals = _line(second.output, "demo data in the database now, from every run: ")
    assert totals.endswith(
        "15 submitted responses, 2 drafts, 50 contributions, 48 campaign pledges"
    )
    # the first run's report was about the first run only
    assert "this run made 10 submitted demo responses and 1 draft (seed 1)" in first.output
    assert "this run made 30 demo contributions: " in first.output
    assert "this run made 48 demo campaign pledges: " in first.output
