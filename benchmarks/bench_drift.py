"""Drift benchmark: Tandem's engine and ``tandem drift`` against Evidently's DataDriftPreset.

For each size (rows in reference and in current) x 20 numerical columns it
times, in one run on one machine:

* Tandem's ``compute_drift`` in-process (best of 3),
* ``tandem drift --format json`` as a subprocess reading Parquet files
  (process start, imports, reading and output included; best of 2),
* Evidently 0.7 ``Report([DataDriftPreset()], include_tests=True).run`` in-process,
  widgets included, as Evidently users run it (once: it is slow),

asserts that every column gets the same method and decision (and the same
dataset verdict), and writes ``benchmarks/RESULTS.md``.

Usage: ``python benchmarks/bench_drift.py [--sizes 10000,100000,1000000] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.drift import compute_drift  # noqa: E402
from app.drift.methods import BY_DISPLAY_NAME  # noqa: E402
from benchmarks.results import write_section  # noqa: E402

COLUMNS = 20


def make_data(rows: int, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """20 float columns: half unchanged, half shifted or rescaled well past the thresholds."""
    rng = np.random.default_rng(seed)
    shifts = [0.0] * 10 + [0.3, 0.5, 0.8, 1.0, 0.4, 0.0, 0.0, 0.6, 0.35, 0.7]
    scales = [1.0] * 15 + [1.8, 2.5, 1.0, 1.0, 1.0]
    reference = pd.DataFrame({f"f{i:02d}": rng.normal(0, 1, rows) for i in range(COLUMNS)})
    current = pd.DataFrame(
        {f"f{i:02d}": rng.normal(shifts[i], scales[i], rows) for i in range(COLUMNS)}
    )
    return reference, current


def best_of(runs: int, fn) -> tuple[float, object]:  # noqa: ANN001
    best, result = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def evidently_run(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[float, dict]:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        snapshot = Report([DataDriftPreset()], include_tests=True).run(current, reference)
        elapsed = time.perf_counter() - start
        result = snapshot.dict()
    columns: dict[str, dict] = {}
    out: dict = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": BY_DISPLAY_NAME.get(config["method"], config["method"]),
                "score": float(metric["value"]),
            }
    for test in result["tests"]:
        failed = getattr(test["status"], "value", test["status"]) == "FAIL"
        if test["id"] == "drift":
            columns[test["name"].removeprefix("Value Drift for column ")]["drifted"] = failed
        else:
            out["dataset_drift"] = failed
    out["columns"] = columns
    return elapsed, out


def tandem_command() -> list[str]:
    """``tandem drift`` if the command is registered, else the same click command via -c."""
    tandem = Path(sys.executable).with_name("tandem")
    if tandem.exists():
        probe = subprocess.run(
            [str(tandem), "drift", "--help"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [str(tandem), "drift"]
    return [sys.executable, "-c", "from app.cli.drift import drift; drift()"]


def check_same(ours: dict, theirs: dict, label: str) -> tuple[int, float]:
    """Assert same methods, decisions and verdict; return (drifted count, max relative gap)."""
    worst = 0.0
    by_name = {c["column"]: c for c in ours["columns"]}
    assert sorted(by_name) == sorted(theirs["columns"]), label
    for name, expected in theirs["columns"].items():
        got = by_name[name]
        assert got["method"] == expected["method"], (label, name, got, expected)
        assert got["drifted"] == expected["drifted"], (label, name, got, expected)
        gap = abs(got["score"] - expected["score"]) / max(abs(expected["score"]), 1e-12)
        worst = max(worst, gap)
    assert ours["dataset_drift"] == theirs["dataset_drift"], label
    return sum(c["drifted"] for c in ours["columns"]), worst


def machine() -> dict[str, str]:
    import evidently
    import scipy

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kb / 1024**2:.1f} GiB"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return {
        "CPU": cpu,
        "logical cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "SciPy": scipy.__version__,
        "pandas": pd.__version__,
        "Evidently": evidently.__version__,
        "load average at start (1, 5, 15 min)": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    info = machine()
    command = tandem_command()
    rows_out = []
    # Warm-up: Evidently's and SciPy's first run pays one-off lazy imports and caches.
    warm_ref, warm_cur = make_data(2000, seed=1)
    evidently_run(warm_ref, warm_cur)
    compute_drift(warm_ref, warm_cur)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    try:
        for rows in sizes:
            reference, current = make_data(rows)
            ref_path, cur_path = workdir / f"ref_{rows}.parquet", workdir / f"cur_{rows}.parquet"
            reference.to_parquet(ref_path)
            current.to_parquet(cur_path)

            engine_s, report = best_of(3, lambda r=reference, c=current: compute_drift(r, c))
            ours = report.to_dict()

            def cli(r: Path = ref_path, c: Path = cur_path) -> dict:
                done = subprocess.run(
                    [*command, "--reference", str(r), "--current", str(c), "--format", "json"],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                return json.loads(done.stdout)

            cli_s, cli_out = best_of(2, cli)
            assert cli_out == json.loads(json.dumps(ours)), "CLI and engine disagree"

            evidently_s, theirs = evidently_run(reference, current)
            drifted, worst = check_same(ours, theirs, f"{rows} rows")
            methods = sorted({c["method"] for c in ours["columns"]})
            row = {
                "rows": rows,
                "methods": ", ".join(methods),
                "drifted": f"{drifted}/{COLUMNS}",
                "evidently_s": evidently_s,
                "engine_s": engine_s,
                "cli_s": cli_s,
                "worst": worst,
            }
            rows_out.append(row)
            print(  # noqa: T201
                f"{rows:>9,} rows: Evidently {evidently_s:8.2f}s  engine {engine_s:7.3f}s "
                f"({evidently_s / engine_s:6.1f}x)  tandem drift {cli_s:6.2f}s "
                f"({evidently_s / cli_s:5.1f}x)  same decisions, max rel. score gap {worst:.1e}",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if hasattr(os, "getloadavg"):
        info["load average at end (1, 5, 15 min)"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    write_results(args.out, info, command, rows_out)


def write_results(path: Path, info: dict[str, str], command: list[str], rows: list[dict]) -> None:
    shown = shlex.join([Path(command[0]).name, *command[1:]])
    lines = [
        "## Drift benchmark: Tandem vs Evidently's DataDriftPreset",
        "",
        "Generated by `benchmarks/bench_drift.py` (`make bench`); all figures from one run on one",
        "machine. Reference and current have the same number of rows, 20 float columns",
        "(10 unchanged, 10 shifted or rescaled). Every column got the same method and the",
        "same drift decision from Tandem and from Evidently, and the same dataset verdict",
        "(asserted by the script).",
        "",
        "* **Evidently**: `Report([DataDriftPreset()], include_tests=True)`",
        "  `.run(current, reference)` in-process, one run (widgets included, as users run it).",
        "* **engine**: `app.drift.compute_drift(reference, current)` in-process, best of 3.",
        f"* **tandem drift**: `{shown}"
        " --reference ref.parquet --current cur.parquet --format json` as a subprocess,",
        "  best of 2: process start, imports, Parquet reading and JSON output included.",
        "",
        "| rows (each side) | method chosen | drifted | Evidently (s) | engine (s) "
        "| engine speed-up | `tandem drift` (s) | CLI speed-up | max rel. score gap |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['rows']:,} | {r['methods']} | {r['drifted']} | {r['evidently_s']:.2f} "
            f"| {r['engine_s']:.3f} | **{r['evidently_s'] / r['engine_s']:.0f}x** "
            f"| {r['cli_s']:.2f} | {r['evidently_s'] / r['cli_s']:.0f}x | {r['worst']:.1e} |"
        )
    lines += ["", "### Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += [
        "",
        "The machine may be shared with other work (see the load averages: above the core",
        "count means other processes competed for the CPU). Ratios are measured within one",
        "run, so both sides saw the same machine, though not necessarily the same load.",
        "",
    ]
    write_section("bench_drift", "\n".join(lines), path)


if __name__ == "__main__":
    main()
