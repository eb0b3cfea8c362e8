"""The Overview's Impact section at scale: the page with and without it, same data, same run.

Builds the database of ``bench_overview_scale`` (20 systems, 90 days of 1-minute
health samples, 5,000 runs, 5 M metric points) plus two daily business KPIs
per system, then times the Overview in Streamlit's AppTest with every
``st.cache_data`` cleared, alternately *without* the Impact section (its
loader and renderer replaced by no-ops; the status report, which the lane's
signals are part of, is computed either way) and *with* it, ``--repeat``
times each. Alternating keeps the two under the same load on a shared
machine; the medians and their difference are written to RESULTS.md.

Usage: ``python benchmarks/bench_overview_impact.py [--systems 20] [--repeat 3] [--reuse DIR]``
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
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_overview_scale import TARGET_S, UNTIL, _seed, _ts  # noqa: E402
from benchmarks.results import RESULTS, write_section  # noqa: E402


def _add_kpis(path: Path, systems: int, days: int) -> int:
    """Two daily KPIs per system (a conversion and a loss), as ``tandem ingest kpis`` stores."""
    rows = []
    for sid in range(1, systems + 1):
        for day in range(2 * days):  # the window and the period before it
            at = _ts(UNTIL - timedelta(days=2 * days - day))
            rows.append((sid, "conversion_rate", at, 0.03 + 0.001 * (day % 7), "ratio",
                         "higher_is_better"))  # fmt: skip
            rows.append((sid, "losses", at, 1000.0 + day, "EUR", "lower_is_better"))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO kpi_points (system_id, name, timestamp, value, unit, direction) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _counts(path: Path) -> tuple[dict[str, int], int]:
    tables = ("health_samples", "training_runs", "metric_points", "kpi_points")
    with sqlite3.connect(path) as db:
        counts = {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # noqa: S608
    return counts, counts["kpi_points"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--systems", type=int, default=20)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--points", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuse", type=Path, default=None, help="a data dir this script built before (kept)"
    )
    args = parser.parse_args()
    load_start = os.getloadavg()
    data_dir = args.reuse or Path(tempfile.mkdtemp(prefix="tandem-bench-impact-"))
    path = data_dir / "tandem.db"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = f"sqlite:///{path}"
    started = time.perf_counter()
    if args.reuse is None:
        counts = _seed(path, args.systems, args.days, args.runs, args.points)
        kpi_rows = _add_kpis(path, args.systems, args.days)
    else:
        counts, kpi_rows = _counts(path)
    setup_s = time.perf_counter() - started

    import streamlit as st  # noqa: TID251 (a benchmark of a page)
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    import app.ui.impact as impact

    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.query_params["range"] = f"{args.days}d"
    real = (impact.load_impact_data, impact.render_impact)

    def overview(with_impact: bool) -> tuple[float, float]:
        if with_impact:
            impact.load_impact_data, impact.render_impact = real
        else:
            impact.load_impact_data = lambda window, systems: impact.ImpactData()
            impact.render_impact = lambda system, data: None
        st.cache_data.clear()
        began, cpu = time.perf_counter(), time.process_time()
        app.run()
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert not app.exception, app.exception
        drawn = sum("<b>Impact</b>" in str(h.proto) for h in app.get("html"))
        assert drawn == (args.systems if with_impact else 0), drawn
        return elapsed, cpu

    overview(True)  # imports, and AppTest's one-off scan of installed components
    times: dict[bool, list[float]] = {False: [], True: []}
    cpus: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeat):
        for with_impact in (False, True):
            elapsed, cpu = overview(with_impact)
            times[with_impact].append(elapsed)
            cpus[with_impact].append(cpu)
    load_end = os.getloadavg()
    without, with_ = statistics.median(times[False]), statistics.median(times[True])
    cpu_without, cpu_with = statistics.median(cpus[False]), statistics.median(cpus[True])
    verdict = "within" if with_ < TARGET_S else "**over**"
    markdown = f"""
## Overview with and without the Impact section, {args.systems} systems

`python benchmarks/bench_overview_impact.py` · the database of `bench_overview_scale`
({counts["health_samples"]:,} health samples, {counts["training_runs"]:,} runs,
{counts["metric_points"]:,} metric points) plus {kpi_rows:,} KPI points (two daily KPIs per
system over {2 * args.days} days); built in {setup_s:.0f} s (0: reused). The page with every
`st.cache_data` cleared, alternately without and with the section, median of {args.repeat}
(all runs: without {", ".join(f"{t:.2f}" for t in times[False])}; with
{", ".join(f"{t:.2f}" for t in times[True])}).

| Overview page (AppTest, imports excluded) | wall s | CPU s of this process |
|---|---|---|
| without the section (its loader and HTML replaced by no-ops) | {without:.3f} | {cpu_without:.3f} |
| **with it (lane tiles, KPI and spend cards, sparklines)** | **{with_:.3f}** | **{cpu_with:.3f}** |
| difference | {with_ - without:+.3f} | {cpu_with - cpu_without:+.3f} |

CPU seconds (``time.process_time``: the script runs in this process's threads; the
database is SQLite, in process too) move far less than wall time when other work
competes for the 2 cores, so the CPU difference is the section's cost to read here.

Target (DESIGN.md): < {TARGET_S:g} s; {verdict} the target.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    write_section("bench_overview_impact", markdown, args.out)
    print(markdown)  # noqa: T201


if __name__ == "__main__":
    main()
