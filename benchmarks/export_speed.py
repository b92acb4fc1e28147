"""Export speed and memory: 100,000 submitted responses to CSV and XLSX.

Targets (issue 4): each export within 2x of the time the underlying writer alone needs for the
same rows (csv module; XlsxWriter in constant_memory mode), measured in the same run, and a peak
memory of the exporting process under 300 MB.

    .venv/bin/python benchmarks/export_speed.py [--responses N] [--postgres URL]
        [--scratch-name NAME]

"read/writer" is the time reading what the wide export reads takes on its own (each response's
answers document, nothing done with it), over the writer's. For comparison the script also
times reading the long-form Answer rows (one per value, DBAPI tuples): that read alone took
over five times the csv module's time, which is why the wide export reads the documents.

The responses go into a scratch SQLite file with bulk inserts (or into a scratch PostgreSQL
database whose URL is given). Each export runs in a fresh subprocess, whose peak resident
memory (getrusage) is what is reported. The writer-alone baseline reads the exported rows back
a chunk at a time and times only the writer calls, so it writes exactly the same cells.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 2.0
TARGET_MEMORY_MB = 300
BASELINE_CHUNK = 5000


def _app(database_url: str, instance: Path):
    from consult import create_app

    return create_app(
        {
            "SECRET_KEY": "benchmark-only-secret-key",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "RATELIMIT_ENABLED": False,
        }
    )


def populate(database_url: str, instance: Path, count: int, seed: int = 2022) -> None:
    """Create the schema and insert ``count`` submitted responses with realistic answers."""
    from sqlalchemy import select

    from consult.cli import init_database
    from consult.db import db
    from consult.questionnaires.answers import profile_values
    from consult.questionnaires.documents import encode
    from consult.questionnaires.models import QuestionnaireVersion, Response
    from consult.questionnaires.registry import current_questionnaires
    from tests.exports.synthetic import random_answers

    app = _app(database_url, instance)
    rng = random.Random(seed)
    with app.app_context():
        init_database(app)
        questionnaires = current_questionnaires()
        versions = {
            key: db.session.scalar(
                select(QuestionnaireVersion.id).where(QuestionnaireVersion.key == key)
            )
            for key in questionnaires
        }
        # A pool of answer sets per questionnaire, drawn at random for each response.
        pools = {
            key: [random_answers(q, rng) for _ in range(1000)] for key, q in questionnaires.items()
        }
        profiles = {
            key: [profile_values(questionnaires[key], a) for a in pool]
            for key, pool in pools.items()
        }
        # What operations.save_answers keeps beside the rows, as the app would have written it.
        documents = {
            key: [encode(questionnaires[key], a) for a in pool] for key, pool in pools.items()
        }
        keys = sorted(questionnaires)
        start = datetime(2021, 11, 1, tzinfo=UTC)
        table = Response.__table__
        answer_rows = 0
        with db.engine.begin() as connection:
            raw = connection.connection.driver_connection
            cursor = raw.cursor()
            marker = "?" if connection.dialect.name == "sqlite" else "%s"
            insert_answer = (
                f"INSERT INTO answers (response_id, question_key, part_key, value) "
                f"VALUES ({marker}, {marker}, {marker}, {marker})"
            )
            batch = 5000
            for first in range(1, count + 1, batch):
                responses, answers = [], []
                for rid in range(first, min(first + batch, count + 1)):
                    key = keys[0] if rng.random() < 0.7 else keys[-1]
                    pick = rng.randrange(len(pools[key]))
                    profile = profiles[key][pick]
                    moment = start + timedelta(minutes=rid)
                    responses.append(
                        {
                            "id": rid,
                            "questionnaire_key": key,
                            "questionnaire_version": questionnaires[key].version,
                            "version_id": versions[key],
                            "resume_token_hash": f"{rid:064x}",
                            "status": "submitted",
                            "language": rng.choice(("en", "fr", "es")),
                            "started_at": moment - timedelta(minutes=30),
                            "updated_at": moment,
                            "submitted_at": moment,
                            "receipt_number": f"BM-{rid:08d}",
                            "last_section_key": None,
                            "country": profile.get("country"),
                            "region": profile.get("region"),
                            "respondent_type": profile.get("respondent_type"),
                            "invitation_id": None,
                            "is_demo": False,
                            "answers_document": documents[key][pick],
                        }
                    )
                    for question_key, parts in pools[key][pick].items():
                        for part_key, value in parts.items():
                            answers.append((rid, question_key, part_key, value))
                connection.execute(table.insert(), responses)
                cursor.executemany(insert_answer, answers)
                answer_rows += len(answers)
            if connection.dialect.name == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('responses', 'id'), %s)", (count,)
                )
                cursor.execute("ANALYZE")
    app.extensions["consult.db"].engine.dispose()
    print(f"inserted {count:,} responses and {answer_rows:,} answers")


def child_export(database_url: str, instance: Path, fmt: str, out: Path) -> None:
    """Run one export in this process and print its time and peak memory as JSON."""
    from consult.db import db
    from consult.exports.responses import ResponsesExport, export_responses
    from consult.staff.exporting import region_labels, snapshot

    app = _app(database_url, instance)
    with app.app_context():
        began = time.perf_counter()
        with snapshot(db.engine) as connection:
            summary = export_responses(
                connection, ResponsesExport(fmt=fmt), out, region_labels=region_labels(app)
            )
        elapsed = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "rows": summary.rows, "peak_mb": peak_kb / 1024}))


def child_read(database_url: str, instance: Path, what: str) -> None:
    """Time reading the answers alone, with no Python work on them.

    ``what`` is "documents" (what the wide export reads: one answers document per response)
    or "rows" (the long-form Answer rows, one per value).
    """
    from sqlalchemy import text

    from consult.db import db
    from consult.staff.exporting import snapshot

    app = _app(database_url, instance)
    with app.app_context():
        began = time.perf_counter()
        rows = 0
        with snapshot(db.engine) as connection:
            ids = (
                connection.execute(
                    text("SELECT id FROM responses WHERE status = 'submitted' ORDER BY id")
                )
                .scalars()
                .all()
            )
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            cursor = connection.connection.cursor()
            if what == "rows":
                sql = (
                    "SELECT response_id, question_key, part_key, value FROM answers "
                    f"WHERE response_id BETWEEN {marker} AND {marker}"
                )
            else:
                sql = (
                    "SELECT id, answers_document FROM responses "
                    f"WHERE id BETWEEN {marker} AND {marker}"
                )
            for first in range(0, len(ids), 2000):
                chunk = ids[first : first + 2000]
                cursor.execute(sql, (chunk[0], chunk[-1]))
                rows += len(cursor.fetchall())
            cursor.close()
        elapsed = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "rows": rows, "peak_mb": peak_kb / 1024}))


def _exported_chunks(csv_path: Path):
    """Read an exported CSV back, a chunk of rows at a time (header first)."""
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        yield header
        chunk = []
        for row in reader:
            chunk.append(row)
            if len(chunk) == BASELINE_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def child_baseline(fmt: str, csv_path: Path, numeric_json: str, out: Path) -> None:
    """Time the writer alone on the exported rows (reading them back is not timed)."""
    numeric = set(json.loads(numeric_json))
    chunks = _exported_chunks(csv_path)
    header = next(chunks)
    timed = 0.0
    rows = 0
    if fmt == "csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            began = time.perf_counter()
            writer.writerow(header)
            timed += time.perf_counter() - began
            for chunk in chunks:
                began = time.perf_counter()
                writer.writerows(chunk)
                timed += time.perf_counter() - began
                rows += len(chunk)
    else:
        import xlsxwriter

        began = time.perf_counter()
        workbook = xlsxwriter.Workbook(
            str(out),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        sheet = workbook.add_worksheet("responses")
        for col, title in enumerate(header):
            sheet.write_string(0, col, title)
        timed += time.perf_counter() - began
        # Typed once, untimed: the writer alone gets numbers where the export wrote numbers.
        for chunk in chunks:
            typed = [
                [
                    (int(v) if v.lstrip("-").isdigit() else v) if i in numeric and v else v
                    for i, v in enumerate(row)
                ]
                for row in chunk
            ]
            began = time.perf_counter()
            write_string, write_number = sheet.write_string, sheet.write_number
            for row in typed:
                rows += 1
                for col, value in enumerate(row):
                    if value == "":
                        continue
                    if isinstance(value, int):
                        write_number(rows, col, value)
                    else:
                        write_string(rows, col, value)
            timed += time.perf_counter() - began
        began = time.perf_counter()
        workbook.close()
        timed += time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": timed, "rows": rows, "peak_mb": peak_kb / 1024}))


def _run_child(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"child {args[0]} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _numeric_columns(database_url: str, instance: Path) -> list[int]:
    from consult.db import db
    from consult.exports.layout import build_layout
    from consult.exports.responses import stored_definitions
    from consult.staff.exporting import region_labels

    app = _app(database_url, instance)
    with app.app_context(), db.engine.connect() as connection:
        definitions = stored_definitions(connection)
        layout = build_layout(definitions.values(), region_labels(app))
    app.extensions["consult.db"].engine.dispose()
    return [i for i, c in enumerate(layout.columns) if c.is_numeric]


def benchmark(database_url: str, instance: Path, label: str) -> bool:
    """Export to CSV and XLSX, time the writers alone, print the figures; True if targets hold."""
    numeric = json.dumps(_numeric_columns(database_url, instance))
    ok = True
    print(f"\n{label}")
    rows = _run_child("read", database_url, str(instance), "rows")
    print(
        f"reading the {rows['rows']:,} Answer rows alone (DBAPI tuples, no Python work): "
        f"{rows['seconds']:.2f} s"
    )
    read = _run_child("read", database_url, str(instance), "documents")
    print(
        f"reading the {read['rows']:,} answers documents alone (what the wide export reads): "
        f"{read['seconds']:.2f} s"
    )
    print(
        f"{'format':<6} {'rows':>8} {'export s':>9} {'rows/s':>9} {'writer s':>9} "
        f"{'ratio':>6} {'read/writer':>11} {'peak MB':>8}"
    )
    csv_out = instance / "export.csv"
    for fmt in ("csv", "xlsx"):
        out = instance / f"export.{fmt}"
        exported = _run_child("export", database_url, str(instance), fmt, str(out))
        baseline = _run_child(
            "baseline", fmt, str(csv_out), numeric, str(instance / f"baseline.{fmt}")
        )
        ratio = exported["seconds"] / baseline["seconds"]
        rate = exported["rows"] / exported["seconds"]
        floor = read["seconds"] / baseline["seconds"]
        print(
            f"{fmt:<6} {exported['rows']:>8,} {exported['seconds']:>9.2f} {rate:>9,.0f} "
            f"{baseline['seconds']:>9.2f} {ratio:>6.2f} {floor:>11.2f} {exported['peak_mb']:>8.0f}"
        )
        ok &= ratio <= TARGET_RATIO and exported["peak_mb"] < TARGET_MEMORY_MB
    print(
        f"targets: ratio <= {TARGET_RATIO}, peak < {TARGET_MEMORY_MB} MB: "
        + ("met" if ok else "NOT MET")
    )
    return ok


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, *args = sys.argv[2:]
        if kind == "export":
            child_export(args[0], Path(args[1]), args[2], Path(args[3]))
        elif kind == "read":
            child_read(args[0], Path(args[1]), args[2])
        else:
            child_baseline(args[0], Path(args[1]), args[2], Path(args[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument(
        "--postgres", help="admin URL of a PostgreSQL server for a scratch database"
    )
    parser.add_argument(
        "--scratch-name",
        default=f"consult_bench_{os.getpid()}",
        help="name of the scratch PostgreSQL database (created, then dropped)",
    )
    options = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="consult-bench-") as scratch:
        instance = Path(scratch)
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
        began = time.perf_counter()
        populate(url, instance, options.responses)
        print(f"populated SQLite in {time.perf_counter() - began:.1f} s")
        ok &= benchmark(url, instance, f"SQLite, {options.responses:,} responses")
        if options.postgres:
            ok &= _postgres(options.postgres, instance, options.responses, options.scratch_name)
    if not ok:
        raise SystemExit(1)


def _postgres(admin_url: str, instance: Path, count: int, name: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        pg_instance = instance / "pg"
        pg_instance.mkdir()
        began = time.perf_counter()
        populate(url, pg_instance, count)
        print(f"populated PostgreSQL in {time.perf_counter() - began:.1f} s")
        return benchmark(url, pg_instance, f"PostgreSQL, {count:,} responses")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
