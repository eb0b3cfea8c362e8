"""Many users at once: 10, 25 and 50 sessions cycling through every page, then a soak.

The real server (``python -m app.ui.launch run``, as ``tandem serve`` starts it,
on a loopback port) over the committed sample data seeded into a fresh SQLite
database. Sessions are websocket clients speaking Streamlit's protocol
(``tests/support/streamlit_client.py``), not browsers: each opens a page, waits
for ``script_finished``, and opens the next page at once (no think time unless
``--think``), so the server is never idle. Session ``i`` uses one of the
(system, range) pairs of the sidebar (every system and "All systems", 7/30/90
days), so the sessions spread over cache keys.

* Phases: ``--sessions`` (10, 25, 50) for ``--phase-s`` (120 s) each. Errors
  (exception elements, pages not found, runs that do not finish within 300 s,
  dropped connections) must be 0; per page the p50 and p95 of the script time
  (request sent until ``script_finished`` received, queueing in the server
  included); server RSS (process tree ``VmRSS``) at start and end; server CPU
  seconds per visit.
* Soak: ``--soak-sessions`` (25) for ``--soak-s`` (600 s), RSS sampled every
  ``--sample-s`` (30 s). RSS levels off when the last third of the soak grows by
  less than 5 % over the sample that starts it (caches are bounded).

A warm-up round (one session per (system, range), every page once) runs first
and is not counted: it pays the cold caches a server start leaves.

Exits 1 when any error occurred or RSS did not level off (after writing its
section of ``benchmarks/RESULTS.md``).

Usage: ``python benchmarks/bench_load.py [--quick] [--sessions 10,25,50] [--phase-s 120]
[--soak-sessions 25] [--soak-s 600] [--sample-s 30] [--think 0] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402
from tests.support.streamlit_load import median, percentile, run_load, run_load_async  # noqa: E402
from tests.support.streamlit_server import RunningApp, serve_app  # noqa: E402

RANGES = ("7d", "30d", "90d")
LEVEL_OFF = 0.05  # largest growth of RSS over the soak's last third that counts as level
MB = 1024 * 1024
SUMMARY_HEADER = (
    "| sessions | seconds | visits | visits/s | errors | server RSS (MiB) start → end "
    "| server CPU s / visit | client CPU s / visit | load avg (1 min) start → end |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


@dataclass(frozen=True)
class Phase:
    sessions: int
    visits: int
    seconds: float
    errors: list[str]
    times: dict[str, list[float]]
    rss_start: int
    rss_end: int
    cpu_s: float  # server CPU time during the phase
    client_cpu_s: float  # this process's CPU time (the load client) during the phase
    load: tuple[float, float]  # 1-minute load average at start, at end


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return (
        f"{model}, {os.cpu_count()} logical cores, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _revision() -> str:
    """The commit measured, and whether the tree had edits on top of it."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}" + (" with uncommitted edits in the tree" if dirty else "")


def _queries(url: str) -> list[dict[str, str]]:
    from app.store import queries
    from app.store.db import dispose_engines, get_engine
    from app.ui.filters import ALL_SYSTEMS

    systems = [ALL_SYSTEMS, *queries.system_names(get_engine(url))]
    dispose_engines()
    return [{"system": system, "range": days} for days in RANGES for system in systems]


def _phase(
    app: RunningApp, sessions: int, seconds: float, think: float, queries: list[dict[str, str]]
) -> Phase:
    pid = app.process.pid
    rss_start, cpu_start, load_start = app.rss_bytes(), _cpu_seconds(pid), os.getloadavg()[0]
    client_start = time.process_time()
    report = run_load(app.url, sessions, queries, duration_s=seconds, think_s=think)
    return Phase(
        sessions=sessions,
        visits=len(report.visits),
        seconds=report.seconds,
        errors=report.errors,
        times=report.times(),
        rss_start=rss_start,
        rss_end=app.rss_bytes(),
        cpu_s=_cpu_seconds(pid) - cpu_start,
        client_cpu_s=time.process_time() - client_start,
        load=(load_start, os.getloadavg()[0]),
    )


async def _soak(
    app: RunningApp,
    sessions: int,
    seconds: float,
    sample_s: float,
    think: float,
    queries: list[dict[str, str]],
) -> tuple[Phase, list[tuple[float, int, float]]]:
    """The soak phase and its samples: (seconds since start, RSS bytes, 1-min load average)."""
    pid = app.process.pid
    samples = [(0.0, app.rss_bytes(), os.getloadavg()[0])]
    cpu_start, start, client_start = _cpu_seconds(pid), time.monotonic(), time.process_time()
    load = asyncio.ensure_future(
        run_load_async(app.url, sessions, queries, duration_s=seconds, think_s=think)
    )
    while not load.done():
        await asyncio.wait({load}, timeout=sample_s)
        if not load.done():
            samples.append((time.monotonic() - start, app.rss_bytes(), os.getloadavg()[0]))
    report = load.result()
    samples.append((time.monotonic() - start, app.rss_bytes(), os.getloadavg()[0]))
    phase = Phase(
        sessions=sessions,
        visits=len(report.visits),
        seconds=report.seconds,
        errors=report.errors,
        times=report.times(),
        rss_start=samples[0][1],
        rss_end=samples[-1][1],
        cpu_s=_cpu_seconds(pid) - cpu_start,
        client_cpu_s=time.process_time() - client_start,
        load=(samples[0][2], samples[-1][2]),
    )
    return phase, samples


def last_third_growth(samples: list[tuple[float, int, float]]) -> float:
    """Growth of the largest RSS in the last third over the sample that starts that third."""
    end = samples[-1][0]
    tail = [rss for at, rss, _ in samples if at >= end * 2 / 3]
    before = [rss for at, rss, _ in samples if at < end * 2 / 3]
    base = before[-1] if before else tail[0]
    return (max(tail) - base) / base


def _markdown(
    args: argparse.Namespace,
    phases: list[Phase],
    soak: Phase,
    samples: list[tuple[float, int, float]],
    seed_s: float,
    warm_s: float,
    machine: str,
    queries: int,
    revision: str,
) -> str:
    command = "python benchmarks/bench_load.py" + (" --quick" if args.quick else "")
    pace = "at once" if not args.think else f"after {args.think:g} s"
    pages = list(phases[0].times) if phases else list(soak.times)
    summary = []
    for phase in [*phases, soak]:
        label = f"{phase.sessions}" + (" (soak)" if phase is soak else "")
        summary.append(
            f"| {label} | {phase.seconds:.0f} | {phase.visits} | "
            f"{phase.visits / phase.seconds:.2f} | {len(phase.errors)} | "
            f"{phase.rss_start / MB:.0f} → {phase.rss_end / MB:.0f} | "
            f"{phase.cpu_s / max(phase.visits, 1):.2f} | "
            f"{phase.client_cpu_s / max(phase.visits, 1):.3f} | "
            f"{phase.load[0]:.1f} → {phase.load[1]:.1f} |"
        )
    header = " | ".join(f"{p.sessions}: p50 / p95" for p in phases)
    rows = []
    for page in pages:
        cells = []
        for phase in phases:
            times = phase.times.get(page, [])
            cells.append(f"{median(times):.2f} / {percentile(times, 0.95):.2f} (n={len(times)})")
        rows.append(f"| {page} | " + " | ".join(cells) + " |")
    growth = last_third_growth(samples)
    verdict = "levels off" if growth < LEVEL_OFF else "**does not level off**"
    trace = ", ".join(f"{at:.0f} s: {rss / MB:.0f}" for at, rss, _ in samples)
    errors = [*(e for p in phases for e in p.errors), *soak.errors]
    error_lines = "\n".join(f"- {e}" for e in errors[:10]) if errors else "None."
    mean_load = sum(load for _, _, load in samples) / len(samples)
    return f"""
## Many users at once: sessions cycling through every page

`{command}` at {revision} · the committed sample data seeded into a fresh SQLite
database ({seed_s:.0f} s), served as `tandem serve` serves it, on 127.0.0.1. Each session is
a websocket client speaking Streamlit's protocol (`tests/support/streamlit_client.py`): it
opens a page (`rerun_script` with the page and a query string), waits for
`script_finished`, and opens the next page {pace}. The sessions spread over {queries}
(system, range) pairs of the sidebar. A warm-up round (one session per pair, every page
once, {warm_s:.0f} s) ran first and is not counted. Script time is from the request sent
until `script_finished` arrived, so it includes waiting behind other sessions' runs: with
no think time the server is never idle, script time grows with the number of sessions,
and visits/s is what the server can serve. The load client runs on the same machine
(its CPU per visit below).

{SUMMARY_HEADER}
{chr(10).join(summary)}

Script time per page (s), by number of sessions:

| page | {header} |
|---|{"---|" * len(phases)}
{chr(10).join(rows)}

Soak: {soak.sessions} sessions for {soak.seconds:.0f} s, RSS (MiB) sampled every
{args.sample_s:g} s: {trace}. Growth over the last third: {growth * 100:+.1f} %
(level: under {LEVEL_OFF * 100:g} %), RSS {verdict}. Mean 1-minute load average during the
soak: {mean_load:.1f}.

Errors: {error_lines}

Machine: {machine}. Other work shared the machine while this ran: a load average above
the core count means other processes competed for the CPU.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases (a smoke run)")
    parser.add_argument("--sessions", default="10,25,50")
    parser.add_argument("--phase-s", type=float, default=120)
    parser.add_argument("--soak-sessions", type=int, default=25)
    parser.add_argument("--soak-s", type=float, default=600)
    parser.add_argument("--sample-s", type=float, default=30)
    parser.add_argument("--think", type=float, default=0.0, help="pause between visits (s)")
    parser.add_argument("--out", type=Path, help="default: RESULTS.md, none with --quick")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.phase_s = "3,6", 20
        args.soak_sessions, args.soak_s, args.sample_s = 5, 60, 10
    sessions = [int(n) for n in args.sessions.split(",")]

    machine, revision = _machine(), _revision()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-load-"))
    url = f"sqlite:///{data_dir / 'tandem.db'}"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = url

    from app.seed import seed_database
    from app.store.db import dispose_engines, get_engine
    from app.store.migrate import upgrade

    started = time.perf_counter()
    upgrade(get_engine(url))
    seed_database(engine=get_engine(url))
    dispose_engines()
    seed_s = time.perf_counter() - started
    queries = _queries(url)
    try:
        with serve_app(data_dir) as app:
            started = time.perf_counter()
            warm = run_load(app.url, len(queries), queries, rounds=1)
            warm_s = time.perf_counter() - started
            phases = []
            for n in sessions:
                phases.append(_phase(app, n, args.phase_s, args.think, queries))
                print(f"{n} sessions: {phases[-1].visits} visits, {len(phases[-1].errors)} errors")  # noqa: T201
            soak, samples = asyncio.run(
                _soak(app, args.soak_sessions, args.soak_s, args.sample_s, args.think, queries)
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    phases[0].errors[:0] = [f"warm-up: {e}" for e in warm.errors]
    markdown = _markdown(
        args, phases, soak, samples, seed_s, warm_s, machine, len(queries), revision
    )
    if args.out or not args.quick:
        write_section("bench_load", markdown, args.out or RESULTS)
    print(markdown)  # noqa: T201
    failed = any(p.errors for p in [*phases, soak]) or last_third_growth(samples) >= LEVEL_OFF
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
