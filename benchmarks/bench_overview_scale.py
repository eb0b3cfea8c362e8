"""Overview at scale: 20 systems, 90 days of 1-minute health samples, 5,000 runs, 5 M points.

DESIGN.md's target: the Overview renders in < 2 s at this scale. Builds a
fresh migrated SQLite database (the big tables written with sqlite3's
``executemany`` so the setup takes seconds, then the hourly health rollup
built as ingest would), and times, median of ``--repeat``:

* ``status_report`` over the last 90 days for all systems (what ``tandem
  status`` and the Overview's tiles compute);
* the Overview page in Streamlit's AppTest with every ``st.cache_data``
  cleared first (as after a server start; imports paid by a warm-up run).

The systems have deployments, incidents, CI pipelines, runs with final
metrics and 1,000-step histories, and registered models; no production
windows (their cost is per window, measured by the drift and page benches).

Usage: ``python benchmarks/bench_overview_scale.py [--systems 20] [--days 90] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402

TARGET_S = 2.0
UNTIL = datetime(2026, 6, 1, tzinfo=UTC)
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(STAMP)


def _seed(path: Path, systems: int, days: int, runs: int, points: int) -> dict[str, int]:
    from sqlalchemy import create_engine

    from app.health import rollups
    from app.store.db import session_scope
    from app.store.migrate import upgrade

    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = np.random.default_rng(11)
    start = UNTIL - timedelta(days=days)
    minutes = days * 24 * 60
    steps = points // runs
    counts: dict[str, int] = {}
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO systems (id, name, created_at) VALUES (?, ?, ?)",
            [(i + 1, f"system-{i + 1:02d}", _ts(start)) for i in range(systems)],
        )
        stamps = [_ts(start + timedelta(minutes=m)) for m in range(minutes)]
        for sid in range(1, systems + 1):
            requests = rng.poisson(2000, minutes)
            errors = rng.binomial(requests, 0.001 * sid / 4)
            p95 = 150 + rng.gamma(2.0, 20.0, minutes)
            db.executemany(
                "INSERT INTO health_samples (system_id, timestamp, requests, errors, "
                "latency_p50_ms, latency_p95_ms, latency_p99_ms, cpu_util, mem_util) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                zip([sid] * minutes, stamps, requests.tolist(), errors.tolist(),
                    (p95 / 3).tolist(), p95.tolist(), (p95 * 1.8).tolist(),
                    rng.uniform(0.2, 0.8, minutes).tolist(),
                    rng.uniform(0.3, 0.9, minutes).tolist(), strict=True),
            )  # fmt: skip
            for day in range(days):
                at = start + timedelta(days=day, hours=10)
                db.execute(
                    "INSERT INTO deployments (system_id, deployment_id, kind, commit_sha, "
                    "committed_at, deployed_at, environment, status) "
                    "VALUES (?, ?, 'service', ?, ?, ?, 'production', ?)",
                    (sid, f"d{day}", f"{day:040x}", _ts(at - timedelta(hours=6)), _ts(at),
                     "rolled_back" if day % 13 == 0 else "success"),
                )  # fmt: skip
                for k in range(4):
                    began = at + timedelta(hours=k)
                    db.execute(
                        "INSERT INTO pipeline_runs (system_id, pipeline_id, commit_sha, branch, "
                        "started_at, finished_at, status, tests_total, tests_failed) "
                        "VALUES (?, ?, ?, 'main', ?, ?, ?, 500, ?)",
                        (sid, f"p{day}-{k}", f"{day:040x}", _ts(began),
                         _ts(began + timedelta(minutes=12)),
                         "failed" if (day + k) % 9 == 0 else "success", (day + k) % 9 == 0),
                    )  # fmt: skip
                if day % 11 == 0:
                    db.execute(
                        "INSERT INTO incidents (system_id, incident_id, severity, opened_at, "
                        "resolved_at, cause, title) VALUES (?, ?, 'sev2', ?, ?, 'code', 'bench')",
                        (sid, f"INC-{day}", _ts(at + timedelta(hours=1)),
                         _ts(at + timedelta(hours=4))),
                    )  # fmt: skip
            for version in range(1, 4):
                db.execute(
                    "INSERT INTO model_versions (system_id, model_name, version, run_id, "
                    "registered_at, alias, task, validation_metric, validation_value) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'classification', 'roc_auc', 0.9)",
                    (sid, f"model-{sid}", version, f"run-{sid}-{version}",
                     _ts(start + timedelta(days=30 * version)),
                     "champion" if version == 3 else None),
                )  # fmt: skip
        run_rows = []
        for i in range(runs):
            sid = 1 + i % systems
            began = start + timedelta(minutes=int(rng.integers(0, minutes - 120)))
            run_rows.append(
                (i + 1, sid, f"run-{i:06d}", f"experiment-{sid}", _ts(began),
                 _ts(began + timedelta(minutes=45)), "FINISHED", f"{i:040x}",
                 f"dataset-{sid}@v1", "schedule")
            )  # fmt: skip
        db.executemany(
            "INSERT INTO training_runs (id, system_id, run_id, experiment, started_at, "
            "finished_at, status, code_commit, train_dataset, trigger) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            run_rows,
        )
        db.executemany(
            "INSERT INTO run_metrics (run_pk, key, value) VALUES (?, ?, ?)",
            [(pk, key, float(v)) for pk in range(1, runs + 1)
             for key, v in (("train_auc", 0.95), ("test_auc", 0.91))],
        )  # fmt: skip
        values = rng.uniform(0, 1, steps)
        for pk in range(1, runs + 1):
            began = datetime.fromisoformat(run_rows[pk - 1][4])
            db.executemany(
                "INSERT INTO metric_points (run_pk, key, step, timestamp, value) "
                "VALUES (?, 'val_loss', ?, ?, ?)",
                [(pk, s, _ts(began + timedelta(seconds=s)), float(values[s]))
                 for s in range(steps)],
            )  # fmt: skip
        db.execute(
            "INSERT INTO ingest_records (kind, source, content_hash, rows_read, rows_written, "
            "ingested_at) VALUES ('bench', 'bench', 'x', 0, 0, ?)",
            (_ts(UNTIL),),
        )
        for table in ("health_samples", "training_runs", "metric_points"):
            counts[table] = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    engine = create_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        rollups.refresh_all(session)
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--systems", type=int, default=20)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--points", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-overview-"))
    path = data_dir / "tandem.db"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = f"sqlite:///{path}"
    started = time.perf_counter()
    counts = _seed(path, args.systems, args.days, args.runs, args.points)
    setup_s = time.perf_counter() - started

    import streamlit as st  # noqa: TID251 (a benchmark of a page)
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    from app.health.report import build_status
    from app.store.db import get_engine

    engine = get_engine(f"sqlite:///{path}")
    status_times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        report = build_status(engine, since=UNTIL - timedelta(days=args.days), until=UNTIL)
        status_times.append(time.perf_counter() - began)
    assert len(report.systems) == args.systems

    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.query_params["range"] = f"{args.days}d"

    def overview() -> float:
        began = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - began
        assert not app.exception, app.exception
        return elapsed

    overview()  # imports, and AppTest's one-off scan of installed components
    page_times = []
    for _ in range(args.repeat):
        st.cache_data.clear()
        page_times.append(overview())
    load_end = os.getloadavg()
    page_s = statistics.median(page_times)
    verdict = "within" if page_s < TARGET_S else "**over**"
    markdown = f"""
## Overview at scale: {args.systems} systems, {args.days} days of 1-minute samples

`python benchmarks/bench_overview_scale.py` · SQLite with {counts["health_samples"]:,} health
samples, {counts["training_runs"]:,} runs, {counts["metric_points"]:,} metric points, a
deployment, four CI pipelines a day and an incident every 11 days per system (built in
{setup_s:.0f} s, hourly rollup included). Median of {args.repeat}.

| work | seconds |
|---|---|
| `build_status`, all systems, last {args.days} days | {statistics.median(status_times):.3f} |
| **Overview page, every `st.cache_data` cleared (AppTest, imports excluded)** | **{page_s:.3f}** |

Target (DESIGN.md): < {TARGET_S:g} s; {verdict} the target.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    write_section("bench_overview_scale", markdown, args.out)
    print(markdown)  # noqa: T201


if __name__ == "__main__":
    main()
