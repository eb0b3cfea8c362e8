"""Spark drift benchmark (issue 13, item 5, drift part): ``tandem drift --engine spark`` vs local.

Synthetic Parquet (10 float features, half of them shifted) is generated in
chunks of 1 M rows, so no size needs its rows in memory at once: a 1 M-row
reference and current data of each ``--sizes`` (default 1 M and 10 M rows).
For each size it runs, as subprocesses, ``tandem drift --format json`` with
``--engine spark --spark-master local[1]`` and ``local[2]``, and with the
local engine up to ``--local-max`` rows, and records the wall time and the
peak resident memory of the Python driver and of the JVM it starts (polled
from /proc every 0.2 s). The engines' JSON must agree (same methods and
decisions, every score to the last digit) or the run fails. The local[2] runs
keep Spark's event log, whose tasks' run time and shuffle bytes give per-row
costs, and from those a projection table for 1 B rows on 16 executors
(labelled as such). Writes its section of ``benchmarks/RESULTS.md``.

Disk: the largest size's Parquet is about 0.06 GB per million rows (50 M rows:
~3 GB in the temporary folder), written and read one row group at a time.

Usage: ``python benchmarks/bench_spark.py [--sizes 1000000,10000000,50000000] [--local-max N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_section  # noqa: E402

FEATURES = 10
CHUNK = 1_000_000
REFERENCE_ROWS = 1_000_000
SHIFTS = [0.0] * 5 + [0.2, 0.4, 0.6, 0.8, 1.0]


def write_parquet(path: Path, rows: int, shifted: bool, seed: int) -> None:
    """``rows`` rows of 10 float features, one row group per 1 M-row chunk."""
    rng = np.random.default_rng(seed)
    schema = pa.schema([(f"f{i}", pa.float64()) for i in range(FEATURES)])
    with pq.ParquetWriter(path, schema) as writer:
        done = 0
        while done < rows:
            n = min(CHUNK, rows - done)
            columns = [
                rng.normal(SHIFTS[i] if shifted else 0.0, 1.0, n).round(4) for i in range(FEATURES)
            ]
            writer.write_table(pa.table(columns, schema=schema))
            done += n


def _tree_rss(pid: int) -> dict[int, int]:
    """Resident KiB of ``pid`` and each of its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    out, todo = {}, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[current] = int(line.split()[1])
        except OSError:
            pass
        todo += children.get(current, [])
    return out


def run(args: list[str], event_log: Path | None = None) -> tuple[float, float, float, dict]:
    """Wall seconds, peak Python driver MiB, peak JVM MiB, and the JSON printed.

    ``event_log``: a folder for Spark's event log (the tasks' run time and shuffle bytes).
    """
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if event_log is not None:
        event_log.mkdir(parents=True, exist_ok=True)
        env["PYSPARK_SUBMIT_ARGS"] = (
            f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{event_log} "
            "--conf spark.eventLog.compress=false pyspark-shell"  # Spark 4 compresses by default
        )
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "drift", "--format", "json", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    driver = jvm = 0
    while process.poll() is None:
        rss = _tree_rss(process.pid)
        driver = max(driver, rss.get(process.pid, 0))
        jvm = max(jvm, sum(v for k, v in rss.items() if k != process.pid))
        time.sleep(0.2)
    out = process.stdout.read() if process.stdout else ""
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"tandem drift {' '.join(args)} exited {process.returncode}")
    return wall, driver / 1024, jvm / 1024, json.loads(out)


def task_totals(event_log: Path) -> tuple[float, int]:
    """Executor run seconds and shuffle bytes written, summed over every task of the run."""
    seconds, shuffled = 0.0, 0
    for path in sorted(p for p in event_log.rglob("*") if p.is_file()):  # Spark 4: a folder
        for line in path.read_text().splitlines():
            if '"SparkListenerTaskEnd"' not in line:
                continue
            metrics = json.loads(line).get("Task Metrics") or {}
            seconds += metrics.get("Executor Run Time", 0) / 1000
            shuffled += (metrics.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
    return seconds, shuffled


# The projection's cluster (an assumption, stated in the table): 16 executors of 4 cores,
# each with a 10 Gbit/s link (1.25 GB/s) for the shuffle.
EXECUTORS, CORES, LINK_BYTES = 16, 4, 1.25e9
TARGET_ROWS = 1_000_000_000


def projection(measured: list[tuple[int, float, float, int]]) -> list[str]:
    """A table projecting 1 B rows on ``EXECUTORS`` executors from per-row costs measured at
    local[2]: ``(rows, wall s, task s, shuffle bytes)`` per size. Fixed cost: the smallest
    size's wall time minus its task time spread over 2 cores."""
    rows, wall, task, shuffled = measured[-1]
    smallest = measured[0]
    fixed = max(smallest[1] - smallest[2] / 2, 0.0)
    per_row, bytes_per_row = task / rows, shuffled / rows
    compute = per_row * TARGET_ROWS / (EXECUTORS * CORES)
    network = bytes_per_row * TARGET_ROWS / (EXECUTORS * LINK_BYTES)
    return [
        "",
        f"**Projection, not a measurement**: {TARGET_ROWS:,} current rows on {EXECUTORS} "
        f"executors x {CORES} cores (10 Gbit/s each), from the per-row costs measured at "
        f"{rows:,} rows on local[2]: task time {per_row * 1e6:.2f} µs/row, shuffle "
        f"{bytes_per_row:.1f} bytes/row; fixed cost (session, planning, driver) {fixed:.0f} s "
        "from the smallest size. Assumes the work divides evenly over the cores and the "
        "shuffle over the links, as it does for range buckets and per-column groups.",
        "",
        "| rows | task s (sum) | shuffle GB | compute s | shuffle s | fixed s | projected wall s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {TARGET_ROWS:,} | {per_row * TARGET_ROWS:,.0f} | "
        f"{bytes_per_row * TARGET_ROWS / 1e9:,.1f} | {compute:,.0f} | {network:,.0f} | "
        f"{fixed:,.0f} | {compute + network + fixed:,.0f} |",
    ]


def same(a: dict, b: dict) -> bool:
    """The same JSON, every digit (both engines round their sums once)."""
    return a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--local-max", type=int, default=10_000_000)
    parser.add_argument("--reference-rows", type=int, default=REFERENCE_ROWS)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md")
    parser.add_argument(
        "--masters",
        default="local[1],local[2]",
        help="Spark masters to run (local[2] is required: the projection and checks read it)",
    )
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    masters = options.masters.split(",")
    if "local[2]" not in masters:
        parser.error("--masters must include local[2]")
    rows = []
    measured: list[tuple[int, float, float, int]] = []  # local[2]: rows, wall, task s, shuffle
    with tempfile.TemporaryDirectory(prefix="bench_spark_") as tmp:
        reference = Path(tmp) / "reference.parquet"
        write_parquet(reference, options.reference_rows, shifted=False, seed=1)
        for size in sizes:
            current = Path(tmp) / f"current_{size}.parquet"
            write_parquet(current, size, shifted=True, seed=size)
            paths = ["--reference", str(reference), "--current", str(current)]
            results = {}
            for master in masters:
                log = Path(tmp) / f"events_{size}_{master[-2]}" if master == "local[2]" else None
                results[master] = run([*paths, "--engine", "spark", "--spark-master", master], log)
                print(size, master, results[master][:3], flush=True)  # noqa: T201
                if log is not None:
                    measured.append((size, results[master][0], *task_totals(log)))
            if size <= options.local_max:
                results["local"] = run(paths)
                print(size, "local", results["local"][:3], flush=True)  # noqa: T201
                if not same(results["local"][3], results["local[2]"][3]):
                    raise SystemExit(f"{size:,} rows: the engines disagree")
            if "local[1]" in results and not same(results["local[1]"][3], results["local[2]"][3]):
                raise SystemExit(f"{size:,} rows: local[1] and local[2] disagree")
            rows.append((size, results))
            current.unlink()
    lines = [
        "## Spark drift engine: `tandem drift --engine spark` vs the local engine",
        "",
        f"Reference {options.reference_rows:,} rows; current data of each size; {FEATURES} float "
        "features (5 shifted), rounded to 4 decimals (ties). Each cell is one run of "
        "`tandem drift --format json` as a subprocess: process start, Spark session start, "
        "reading Parquet and output included. RSS is the peak resident memory, polled every "
        "0.2 s, of the Python driver and of the JVM it starts. All engines print the same "
        "JSON, every digit.",
        "",
        "| current rows | engine | wall s | Python driver RSS MiB | JVM RSS MiB |",
        "|---:|---|---:|---:|---:|",
    ]
    for size, results in rows:
        for engine, (wall, driver, jvm, _) in results.items():
            jvm_text = f"{jvm:,.0f}" if engine != "local" else "-"
            lines.append(f"| {size:,} | {engine} | {wall:.1f} | {driver:,.0f} | {jvm_text} |")
    lines += projection(measured)
    load = os.getloadavg()
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end {load[0]:.1f} "
        "(the machine is shared: figures measured under load are upper bounds). "
        f"Command: `python benchmarks/bench_spark.py --sizes {options.sizes} "
        f"--reference-rows {options.reference_rows} --masters {options.masters}`.",
    ]
    text = "\n".join(lines)
    print(text)  # noqa: T201
    if not options.no_write:
        write_section("bench_spark", text)


if __name__ == "__main__":
    main()
