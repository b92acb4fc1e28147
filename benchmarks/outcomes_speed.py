"""Outcomes speed: the whole summary against the time pandas needs just to load the answers.

    .venv/bin/python benchmarks/outcomes_speed.py [--responses 100000] [--keep]

Generates N submitted demo responses (plus drafts) with bulk inserts into a scratch SQLite file,
then prints, from the same run:
- the floor: pandas.read_sql of the submitted responses' answers (the long table);
- for reference, consult.analysis.data.load_answers (the shared loader) on the same rows;
- the whole summary (its own loading included) and its ratio to the floor (target: < 2);
- the cached summary page: GET /staff/outcomes by a signed-in analyst once the summary is in the
  shared cache (target: < 100 ms).
Nothing is asserted: figures are printed for the report.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.analysis.data import load_answers  # noqa: E402
from consult.cli import init_database  # noqa: E402
from consult.db import db, writing  # noqa: E402
from consult.geography import region_map  # noqa: E402
from consult.outcomes import data, demo  # noqa: E402
from consult.outcomes.models import OutcomeSummaryCache  # noqa: E402
from consult.questionnaires.models import Answer, Response  # noqa: E402
from consult.questionnaires.registry import current_questionnaires  # noqa: E402
from consult.staff.operations import create_user  # noqa: E402

PASSWORD = "benchmark-password-not-secret"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", type=Path, help="a folder kept by an earlier --keep run (no generation)"
    )
    args = parser.parse_args()

    scratch = args.reuse or Path(tempfile.mkdtemp(prefix="outcomes_bench_"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "INSTANCE_PATH": str(scratch),
            "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        with app.app_context():
            init_database(app)
        with app.app_context():
            if args.reuse is None:
                generate(app, args.responses, args.seed)
            with writing():
                # A reused database may hold a cached summary page: start cold.
                db.session.execute(delete(OutcomeSummaryCache))
                db.commit()
            query = (
                select(Answer.response_id, Answer.question_key, Answer.part_key, Answer.value)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.status == "submitted")
                .order_by(Answer.response_id, Answer.id)
            )
            sources = data.SummarySources(
                current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
            )
            with db.engine.connect() as connection:
                # Warm the file cache once so that neither measure pays for the first read.
                pd.read_sql(query, connection)
                started = time.perf_counter()
                frame = pd.read_sql(query, connection)
                floor = time.perf_counter() - started
                started = time.perf_counter()
                load_answers(connection)
                shared_loader = time.perf_counter() - started
                started = time.perf_counter()
                summary, ids = data.compute_summary(connection, sources)
                whole = time.perf_counter() - started
            print(f"answers: {len(frame):,} rows for {len(ids):,} submitted responses")
            print(f"floor (pandas.read_sql of the answers): {floor:.2f} s")
            print(f"for reference, consult.analysis.data.load_answers: {shared_loader:.2f} s")
            print(f"whole summary (loading included): {whole:.2f} s")
            print(f"ratio summary / floor: {whole / floor:.2f} (target < 2)")
            assert summary["responses"] == len(ids)

        client = app.test_client()
        page = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post(
            "/staff/login",
            data={"csrf_token": token, "email": "analyst@bench.test", "password": PASSWORD},
        )
        started = time.perf_counter()
        first = client.get("/staff/outcomes/")
        print(
            f"first page (computes and stores the summary): "
            f"{time.perf_counter() - started:.2f} s, status {first.status_code}"
        )
        times = []
        for _ in range(20):
            started = time.perf_counter()
            reply = client.get("/staff/outcomes/")
            times.append((time.perf_counter() - started) * 1000)
            assert reply.status_code == 200
        print(
            f"cached page: median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms over 20 requests (target < 100 ms)"
        )
        size = len(reply.get_data())
        print(f"page size: {size / 1024:.0f} KiB")
    finally:
        app.extensions["consult.db"].engine.dispose()
        if args.keep or args.reuse:
            print(f"scratch database kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def generate(app, responses: int, seed: int) -> None:
    """Create the analyst account and the demo responses (bulk inserts)."""
    with writing():
        create_user(db.session, "analyst@bench.test", "analyst", PASSWORD)
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
