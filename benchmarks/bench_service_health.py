"""Service health benchmark: 90 days of 1-minute health samples for one system.

Builds a fresh migrated SQLite database in a temporary data dir with one
system and 129,600 one-minute samples (plus a deployment a day and a few
incidents), then times, best of 3:

* ``service_health`` (every query of the page: golden-signal buckets, SLO,
  burn rates, burn-down, CI, incidents, DORA) and ``timeline``;
* building every Plotly figure the page draws;
* the page's server time in Streamlit's AppTest (``Last 90 days``, cold
  caches: each run uses a fresh data version), imports excluded by a warm-up run.

Target (DESIGN.md): < 1 s server side. Writes its section of ``benchmarks/RESULTS.md``.

Usage: ``python benchmarks/bench_service_health.py [--days 90] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402

SYSTEM = "bench-api"


def _seed(url: str, days: int) -> tuple[datetime, int]:
    from sqlalchemy import insert

    from app.health import rollups
    from app.store.db import get_engine, session_scope
    from app.store.migrate import upgrade
    from app.store.models import Deployment, HealthSample, Incident, IngestRecord, System

    engine = get_engine(url)
    upgrade(engine)
    until = datetime(2026, 6, 1, tzinfo=UTC)
    n = days * 24 * 60
    rng = np.random.default_rng(7)
    minutes = np.arange(n)
    requests = (3000 + 1500 * np.sin(minutes / 1440 * 2 * np.pi)).astype(int)
    errors = rng.binomial(requests, 0.0008)
    p95 = 180 + rng.gamma(2.0, 20.0, n)
    start = until - timedelta(days=days)
    with session_scope(engine) as session:
        system = System(name=SYSTEM)
        session.add(system)
        session.flush()
        sid = system.id
        rows = [
            {
                "system_id": sid, "timestamp": start + timedelta(minutes=int(m)),
                "requests": int(r), "errors": int(e), "latency_p50_ms": float(p) / 3,
                "latency_p95_ms": float(p), "latency_p99_ms": float(p) * 1.8,
                "cpu_util": 0.4, "mem_util": 0.6,
            }
            for m, r, e, p in zip(minutes, requests, errors, p95, strict=True)
        ]  # fmt: skip
        for chunk in range(0, len(rows), 50_000):
            session.execute(insert(HealthSample), rows[chunk : chunk + 50_000])
        for day in range(days):
            at = start + timedelta(days=day, hours=10)
            session.add(
                Deployment(system_id=sid, deployment_id=f"d{day}", kind="service",
                           committed_at=at - timedelta(hours=5), deployed_at=at,
                           environment="production", status="success")
            )  # fmt: skip
        for i in range(0, days, 9):
            at = start + timedelta(days=i, hours=14)
            session.add(
                Incident(system_id=sid, incident_id=f"INC-{i}", severity="sev2", opened_at=at,
                         resolved_at=at + timedelta(hours=3), cause="code", title="bench")
            )  # fmt: skip
        rollups.refresh_all(session)  # what the ingest path does after writing samples
        session.add(IngestRecord(kind="bench", source="bench", content_hash="x", rows_read=n,
                                 rows_written=n))  # fmt: skip
    return until, n


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-sh-"))
    url = f"sqlite:///{data_dir / 'tandem.db'}"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = url
    until, n = _seed(url, args.days)

    from sqlalchemy import update
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    from app.health.window import Window
    from app.service_health import ci_report, delivery_report, service_health
    from app.store.db import get_engine, session_scope
    from app.store.models import IngestRecord
    from app.timeline import timeline
    from app.ui.charts import burn_down_figure, ci_figure, series_figure, trend_figure
    from app.ui.timeline import timeline_figure

    engine = get_engine(url)
    window = Window(until - timedelta(days=args.days), until + timedelta(seconds=1))
    data_s = _best(lambda: service_health(engine, SYSTEM, window))
    tabs_s = _best(
        lambda: (ci_report(engine, SYSTEM, window), delivery_report(engine, SYSTEM, window))
    )
    timeline_s = _best(lambda: timeline(engine, SYSTEM, window))
    health, tl = service_health(engine, SYSTEM, window), timeline(engine, SYSTEM, window)
    ci, dora = ci_report(engine, SYSTEM, window), delivery_report(engine, SYSTEM, window)

    def figures() -> None:
        g, t = health.golden, health.thresholds
        series_figure(g, ["request_rate"], ["r"], "", "")
        series_figure(g, ["error_rate"], ["e"], "", "", 100, t["operate.error_rate"])
        series_figure(g, ["latency_p50_ms", "latency_p95_ms", "latency_p99_ms"], ["a", "b", "c"],
                      "", "", threshold=t["operate.latency_p95_ms"])  # fmt: skip
        series_figure(g, ["cpu_util", "mem_util"], ["c", "m"], "", "", 100)
        burn_down_figure(health.burn_down, 0.999)
        ci_figure(ci.daily) if not ci.daily.empty else None
        trend_figure({"s": dora.service.weekly}, "change_lead_time_h", "", 1)
        timeline_figure(tl)

    figures_s = _best(figures)

    def page(version: int) -> float:
        with session_scope(engine) as session:  # a new data version: caches miss
            session.execute(update(IngestRecord).values(id=version))
        app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        app.query_params["system"] = SYSTEM
        app.query_params["range"] = "90d"
        app.switch_page("app_pages/service_health.py")
        t = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - t
        assert not app.exception, app.exception
        return elapsed

    page(1000)  # warm-up: imports
    page_s = min(page(1001 + i) for i in range(3))
    load_end = os.getloadavg()
    points = len(health.golden)
    markdown = f"""
## Service health page: {args.days} days of 1-minute samples, one system

`python benchmarks/bench_service_health.py` · {n:,} health samples (SQLite), a
deployment a day, an incident every 9 days; best of 3.

| work | seconds |
|---|---|
| `service_health` (the first view's queries: golden signals, SLOs, incidents) | {data_s:.3f} |
| `ci_report` + `delivery_report` (the CI and DORA tabs, read when opened) | {tabs_s:.3f} |
| `timeline` (events and series) | {timeline_s:.3f} |
| building every Plotly figure | {figures_s:.3f} |
| **page server time, cold caches (AppTest, imports excluded)** | **{page_s:.3f}** |

Target: < 1 s server side. Golden-signal lines carry {points:,} points each
({health.bucket_seconds // 60}-minute buckets summed in SQL from the hourly rollup that
ingest maintains, raw samples only for the partial hours at the edges), the timeline's
error rate {len(tl.error_rate):,}.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    write_section("bench_service_health", markdown, args.out)
    print(markdown)  # noqa: T201


if __name__ == "__main__":
    main()
