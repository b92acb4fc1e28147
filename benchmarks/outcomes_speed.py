"""Outcomes speed: the full summary against the floor, the refresh after a change, the page
under arrivals, and the filters.

    .venv/bin/python benchmarks/outcomes_speed.py [--responses 100000] [--seconds 30]
        [--cache /tmp/consult-outcomes-bench-100000] [--skip-full] [--skip-page]

Generates N submitted demo responses (plus drafts) with bulk inserts into a SQLite file kept
under /tmp between runs (generation takes minutes; `--cache` names the folder), then prints,
from the same run:

1. the floor: pandas.read_sql_query of the answers table as stored, the columns the summary
   reads (response_id, question_key, part_key, value), no join, no sort, on the driver's own
   connection; the full summary (its own loading included: consult.outcomes.data.
   compute_summary); their ratio (target <= 1.5), in wall-clock and in CPU seconds (the
   machine is shared: CPU time is the steadier figure); and the peak memory of each (each runs
   in a forked child; target < 1 GB);
2. the filters: the full summary per filter (region, respondent type, dates, a closed answer)
   over the unfiltered one (target <= 2);
3. the summary after one new, one edited and one withdrawn (deleted) response, as the staff
   page gets it (consult.outcomes.data.cached_summary: the data version changed, so the live
   state applies the change, consult.outcomes.live; the first, cold call builds that state),
   in wall-clock and CPU seconds, and whether it equals a full recompute figure for figure
   (target < 1 s); with the live state's size by part and the process's resident memory
   before and after the build (a worker is retired past 512 MiB: consult.serving);
4. the staff summary page GET /staff/outcomes/ (a view every 0.2 s for --seconds, 120 by
   default: about 500 views) while a separate process submits a new response every second,
   in production mode: the live state forgotten first (a newly started worker), every view
   timed; p50, p95 and max (target p95 < 1 s), and how far behind the figures shown were
   (a view shows the figures it has, labelled, while a refresh runs in the background).
Nothing is asserted: figures are printed for the report.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.cli import init_database  # noqa: E402
from consult.db import db, writing  # noqa: E402
from consult.geography import region_map  # noqa: E402
from consult.outcomes import data, demo  # noqa: E402
from consult.outcomes.filters import AnswerCondition, SummaryFilter  # noqa: E402
from consult.outcomes.models import OutcomeSummaryCache  # noqa: E402
from consult.questionnaires import operations  # noqa: E402
from consult.questionnaires.models import Response  # noqa: E402
from consult.questionnaires.registry import current_questionnaires  # noqa: E402
from consult.staff.operations import create_user  # noqa: E402

PASSWORD = "benchmark-password-not-secret"
FLOOR_SQL = "SELECT response_id, question_key, part_key, value FROM answers"
FILTERS = {
    "region": SummaryFilter(region="africa"),
    "type": SummaryFilter(respondent_type="municipality"),
    "dates": SummaryFilter(submitted_from=date(2022, 1, 10), submitted_to=date(2022, 2, 5)),
    "answer": SummaryFilter(answers=(AnswerCondition("keep_four_part_structure", "yes"),)),
}


def make_app(folder: Path):
    """The app on the benchmark's SQLite file."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "RATELIMIT_ENABLED": False,
        }
    )


def sources(app) -> data.SummarySources:
    """What the summary reads besides the responses."""
    return data.SummarySources(current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"]))


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--seconds", type=float, default=120.0, help="page under arrivals")
    parser.add_argument("--cache", type=Path, help="folder of the generated database")
    parser.add_argument("--skip-full", action="store_true", help="skip parts 1 and 2")
    parser.add_argument("--skip-page", action="store_true", help="skip part 4")
    args = parser.parse_args()
    folder = args.cache or Path(tempfile.gettempdir()) / f"consult-outcomes-bench-{args.responses}"
    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(folder)
    with app.app_context():
        init_database(app)
        if not (folder / "generated").exists():
            generate(app, args.responses, args.seed)
            (folder / "generated").write_text(str(args.responses))
        with writing():
            # Start cold: no summary or page kept from an earlier run.
            db.session.execute(delete(OutcomeSummaryCache))
            db.commit()
    app.extensions["consult.db"].engine.dispose()
    if not args.skip_full:
        full_against_floor(folder)
        filtered(folder)
    # One app (one engine) for parts 3 and 4, as in one worker: the live state that part 3
    # builds serves the page of part 4.
    page_app = make_app(folder)
    refresh_after_a_change(folder, page_app)
    if not args.skip_page:
        page_under_arrivals(folder, args.seconds, page_app)


def _in_child(function, *arguments):
    """Run ``function`` in a forked child; return its times, peak memory and result."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_measured, (function, *arguments))


def _measured(function, *arguments):
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*arguments)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, cpu, peak, result


def _floor(folder: Path) -> int:
    app = make_app(folder)
    with app.app_context(), db.engine.connect() as connection:
        frame = pd.read_sql_query(FLOOR_SQL, connection.connection.driver_connection)
        return len(frame)


def _full(folder: Path, filters: SummaryFilter = SummaryFilter()) -> int:
    app = make_app(folder)
    with app.app_context(), db.engine.connect() as connection:
        summary, _ids = data.compute_summary(connection, sources(app), filters)
        return summary["responses"]


def full_against_floor(folder: Path) -> None:
    """Part 1: the floor and the full summary, interleaved, each in its own child."""
    _in_child(_floor, folder)  # warm the file cache once
    floors, fulls = [], []
    for _round in range(2):
        floors.append(_in_child(_floor, folder))
        fulls.append(_in_child(_full, folder))
    floor, full = (statistics.mean(r[0] for r in runs) for runs in (floors, fulls))
    floor_cpu, full_cpu = (statistics.mean(r[1] for r in runs) for runs in (floors, fulls))
    print(f"answers table: {floors[0][3]:,} rows; {fulls[0][3]:,} submitted responses")
    print(f"floor (pandas.read_sql_query of the answers table): {floor:.1f} s {_list(floors)}")
    print(f"full summary (loading included): {full:.1f} s {_list(fulls)}")
    print(f"ratio full summary / floor: {full / floor:.2f} (target <= 1.5)")
    print(
        f"CPU: floor {floor_cpu:.1f} s, full summary {full_cpu:.1f} s, "
        f"ratio {full_cpu / floor_cpu:.2f}"
    )
    print(
        f"peak memory: floor {max(r[2] for r in floors):.0f} MB, "
        f"full summary {max(r[2] for r in fulls):.0f} MB (< 1024)"
    )


def filtered(folder: Path) -> None:
    """Part 2: each filter's full summary over the unfiltered one (each in its own child)."""
    unfiltered = _in_child(_full, folder)
    print(f"unfiltered summary: {unfiltered[0]:.1f} s, CPU {unfiltered[1]:.1f} s")
    for name, filters in FILTERS.items():
        seconds, cpu, _peak, responses = _in_child(_full, folder, filters)
        print(
            f"filter {name} ({responses:,} responses): {seconds:.1f} s, CPU {cpu:.1f} s, "
            f"ratio to unfiltered {seconds / unfiltered[0]:.2f} (CPU {cpu / unfiltered[1]:.2f}; "
            "target <= 2)"
        )


def _list(runs) -> str:
    return "(" + ", ".join(f"{r[0]:.1f}" for r in runs) + ")"


def comparable(summary: dict) -> str:
    """A summary without the moment and data version it was made at."""
    return json.dumps({**summary, "generated_at": None, "data_version": None}, sort_keys=True)


def refresh_after_a_change(folder: Path, app) -> None:
    """Part 3: the summary the page gets after one new, one edited and one withdrawn response."""
    from consult.outcomes import live
    from consult.serving import DEFAULT_MAX_WORKER_MEMORY_MB, resident_memory_mb

    with app.app_context():
        engine = db.engine
        resident = resident_memory_mb()
        started, cpu = time.perf_counter(), time.process_time()
        data.cached_summary(engine, sources(app))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"summary for the page, cold (the live state built): {seconds:.1f} s, CPU {cpu:.1f} s"
        )
        parts = live.state_size()
        if parts is not None:
            listed = ", ".join(f"{name} {size / 2**20:.1f}" for name, size in parts.items())
            print(f"live state: {sum(parts.values()) / 2**20:.0f} MiB ({listed})")
        print(
            f"process resident memory: {resident:.0f} MiB before, {resident_memory_mb():.0f} MiB"
            f" with the live state (a worker is retired past {DEFAULT_MAX_WORKER_MEMORY_MB} MiB)"
        )
        started = time.perf_counter()
        data.cached_summary(engine, sources(app))
        print(f"summary for the page, unchanged data: {time.perf_counter() - started:.2f} s")
        changes = [("new", add_response), ("edited", edit_response), ("withdrawn", withdraw)]
        for name, change in changes:
            change(app, 0)
            started, cpu = time.perf_counter(), time.process_time()
            live = data.cached_summary(engine, sources(app)).summary
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"summary after one {name} response: {seconds:.2f} s, CPU {cpu:.2f} s (target < 1)"
            )
        with engine.connect() as connection:
            full, _ids = data.compute_summary(connection, sources(app))
        equal = comparable(live) == comparable(full)
        print(f"it equals a full recompute figure for figure: {equal}")
    engine.dispose()


def add_response(app, seed: int) -> None:
    """Submit one new demo response."""
    with app.app_context(), writing():
        plan = demo.DemoPlan(responses=1, seed=10_000 + seed)
        for _done in demo.generate_responses(
            db.session,
            current_questionnaires(),
            region_map(app.config["QUESTIONNAIRES_PATH"]),
            plan,
        ):
            pass
        db.commit()


def edit_response(app, seed: int) -> None:
    """Change one answer of a submitted response, through the respondents' save path."""
    with app.app_context(), writing():
        response = db.session.scalars(
            select(Response)
            .where(Response.status == "submitted")
            .order_by(Response.id)
            .offset(1000 + seed)
        ).first()
        questionnaire = current_questionnaires()[response.questionnaire_key]
        question = next(q for q in questionnaire.questions if q.type == "yes_no")
        stored = operations.answers_of(db.session, response, questionnaire)
        old = stored.get(question.key, {}).get("")
        new = "no" if old == "yes" else "yes"
        operations.save_answers(db.session, questionnaire, response, {question.key: {"": new}})
        db.commit()


def withdraw(app, seed: int) -> None:
    """Delete one submitted response (a respondent withdrawing it)."""
    with app.app_context(), writing():
        victim = db.session.scalar(
            select(Response.id)
            .where(Response.status == "submitted")
            .order_by(Response.id)
            .offset(2000 + seed)
        )
        db.session.execute(delete(Response).where(Response.id == victim))
        db.commit()


def _arrivals(folder: Path, seconds: float, start_seed: int) -> int:
    """Submit a new response every second for ``seconds`` (run in its own process)."""
    app = make_app(folder)
    made = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tick = time.monotonic()
        add_response(app, start_seed + made)
        made += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    return made


#: Pause between two views of the page in part 4 (a staff member reloading often).
VIEW_INTERVAL = 0.2
#: The label of figures older than the data (templates/outcomes/summary.html).
LABELLED = 'class="notice warning as-of"'
BEHIND = re.compile(r"has grown by ([\d,]+)")


def page_under_arrivals(folder: Path, seconds: float, app) -> None:
    """Part 4: p50/p95 of the summary page while a response arrives every second.

    As in production (OUTCOMES_PAGE_WAITS off, nothing warmed up): the page's figures are
    stored by a first view, then this process forgets its live state, as a newly started
    worker would, and every view is timed, the first ones included. A view shows the figures
    it has at once and starts the refresh in the background (consult.outcomes.page_refresh),
    so the figures may lag: how many submitted responses they missed is printed too.
    """
    from consult.outcomes import live, page_refresh

    with app.app_context(), writing():
        try:
            create_user(db.session, "analyst@bench.test", "analyst", PASSWORD, one_time=False)
            db.commit()
        except Exception:  # noqa: BLE001 - the account is kept from the generating run
            db.session.rollback()
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/staff/login",
        data={"csrf_token": token, "email": "analyst@bench.test", "password": PASSWORD},
    )
    url = "/staff/outcomes/"
    started = time.perf_counter()
    reply = client.get(url)
    first = time.perf_counter() - started
    assert reply.status_code == 200, reply.status_code
    live.reset()  # a newly started worker: no live state yet
    context = multiprocessing.get_context("fork")
    seed = int(time.time()) % 100_000 * 100
    arrivals = context.Process(target=_arrivals, args=(folder, seconds, seed))
    app.extensions["consult.db"].engine.dispose()
    arrivals.start()
    times, cpu, behind = [], [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started, thread_cpu = time.perf_counter(), time.thread_time()
        reply = client.get(url)
        times.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - thread_cpu)
        assert reply.status_code == 200
        shown = reply.get_data(as_text=True)
        missed = BEHIND.search(shown) if LABELLED in shown else None
        behind.append(int(missed.group(1).replace(",", "")) if missed else 0)
        time.sleep(VIEW_INTERVAL)
    arrivals.join()
    page_refresh.wait_for_refreshes(600)
    lagging = [n for n in behind if n]  # (an edit or withdrawal would show 0: none here)
    times.sort()
    cpu.sort()
    p95 = _p95(times)
    print(
        f"page: first view of a new deployment (figures computed and stored) {first:.1f} s; "
        f"then, as a newly started worker, under arrivals: p50 "
        f"{statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
        f"{times[-1] * 1000:.0f} ms over {len(times)} views (target p95 < 1000 ms); CPU of the "
        f"view's thread: p50 {statistics.median(cpu) * 1000:.0f} ms, p95 {_p95(cpu) * 1000:.0f} ms"
    )
    second_half = behind[len(behind) // 2 :]
    behind.sort()
    print(
        f"figures shown: {len(behind) - len(lagging)} views current, {len(lagging)} labelled "
        f"as older; submitted responses not in them yet: median "
        f"{statistics.median(behind):.0f}, p95 {_p95(behind)}, max {behind[-1]}; over the "
        f"second half of the window: median {statistics.median(second_half):.0f}, max "
        f"{max(second_half)} (a response arrives every second)"
    )


def _p95(values: list) -> Any:
    """The 95th percentile of sorted values (nearest rank)."""
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def generate(app, responses: int, seed: int) -> None:
    """Create the analyst account and the demo responses (bulk inserts)."""
    with writing():
        create_user(db.session, "analyst@bench.test", "analyst", PASSWORD, one_time=False)
        db.commit()
    started = time.perf_counter()
    with writing():
        plan = demo.DemoPlan(responses=responses, seed=seed)
        for _done in demo.generate_responses(
            db.session,
            current_questionnaires(),
            region_map(app.config["QUESTIONNAIRES_PATH"]),
            plan,
        ):
            pass
        db.commit()
    print(
        f"generated {responses:,} submitted responses (+ drafts) "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
