"""Every page's first render on the seeded database: server time and time to idle in Chromium.

DESIGN.md's target for any page: < 1 s server side, < 3 s to idle in Chromium.

* Server: Streamlit's ``AppTest`` runs the app (sidebar and page) with the
  sidebar's system set and a 90-day range, after one warm-up run
  per page that pays the imports. Median of ``--repeat`` cold runs (every
  ``st.cache_data`` cleared first, as after a server start), and one
  warm rerun (what a user sees after changing a widget that hits the caches).
* Chromium: the real server (``streamlit run`` on a loopback port) and
  Debian's headless Chromium; each page opened in a new browser context and
  timed from navigation until Streamlit's ``data-test-script-state`` says
  ``notRunning``. The first visit of each page is cold on the server side,
  the second warm.

Usage: ``python benchmarks/bench_pages.py [--repeat 3] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.page_visits import (  # noqa: E402
    FLOOR,
    FLOOR_PARTS,
    QUERY,
    SYSTEM,
    WARM_QUERY,
    Visit,
    browser_times,
)
from benchmarks.results import RESULTS, write_section  # noqa: E402

RATIO = 1.5  # a page's first visit within 1.5x the floor's time


def _pages() -> list[str]:
    """The page scripts, as ``st.navigation`` serves them (url path = file stem)."""
    return sorted(p.stem for p in (ROOT / "app_pages").glob("*.py") if p.stem != "__init__")


def _server_times(pages: list[str], repeat: int) -> dict[str, tuple[float, float]]:
    """Page -> (median cold run, warm rerun) in seconds."""
    import streamlit as st  # noqa: TID251
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    results = {}
    for page in pages:
        app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        for name, value in QUERY.items():
            app.query_params[name] = value
        app.switch_page(f"app_pages/{page}.py")
        app.run()  # imports
        assert not app.exception, (page, app.exception)
        cold = []
        for _ in range(repeat):
            st.cache_data.clear()  # as after a server start
            start = time.perf_counter()
            app.run()
            cold.append(time.perf_counter() - start)
            assert not app.exception, (page, app.exception)
        start = time.perf_counter()
        app.run()
        warm = time.perf_counter() - start
        results[page] = (statistics.median(cold), warm)
    return results


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def _sent(visit: Visit | None) -> list[str]:
    """What a first visit sent: Plotly charts / traces / points, grids, mounted, KB."""
    if visit is None:
        return ["–"] * 4
    charts, grids = visit.sent["plotly_chart"], visit.sent["dataframe"]
    mounted = f"{visit.mounted[0]}/{charts} · {visit.mounted[1]}/{grids}"
    return [f"{charts} / {visit.traces} / {visit.points}", str(grids), mounted,
            f"{visit.received_kb:.0f}"]  # fmt: skip


def paired_ratios(browser: dict[str, list[Visit]], targets: list[str], name: str) -> list[float]:
    """Each round's first visit of ``name`` / the floor visit right before it (same moment's load).

    Rounds visit ``targets`` in order, each after a floor visit (``browser_times``).
    """
    floors, at = browser.get(FLOOR, []), targets.index(name)
    return [
        v.seconds / floors[r * len(targets) + at].seconds
        for r, v in enumerate(browser.get(name, []))
    ]


def table(
    targets: list[str],
    browser: dict[str, list[Visit]],
    warm: dict[str, Visit],
    server: dict[str, tuple[float, float]],
) -> tuple[str, float, dict[str, float]]:
    """The markdown rows, the floor's median and every target's median ratio to it."""
    floors = browser.get(FLOOR, [])
    floor = _median([v.seconds for v in floors])

    def seconds(value: float, target: float | None = None) -> str:
        if value != value:  # NaN: not measured
            return "–"
        over = target is not None and value >= target
        return f"**{value:.2f}** (over {target:g} s)" if over else f"{value:.2f}"

    def ratio(value: float) -> str:
        if value != value or floor != floor:
            return "–"
        share = value / floor
        return f"{share:.2f}×" if share <= RATIO else f"**{share:.2f}×**"

    spread = f"{min(v.seconds for v in floors):.2f}–{max(v.seconds for v in floors):.2f}"
    rows = ["| " + " | ".join([f"*floor* ({len(floors)} visits, median)", "–", "–",
                               seconds(floor, 3), "1.00×", f"range {spread if floors else '–'}",
                               seconds(_median([v.drawn for v in floors])), "–",
                               *_sent(floors[0] if floors else None)]) + " |"]  # fmt: skip
    ratios: dict[str, float] = {}
    for name in targets:
        cold, warm_run = server.get(name, (float("nan"), float("nan")))
        visits = browser.get(name, [])
        first = _median([v.seconds for v in visits])
        ratios[name] = first / floor
        paired = paired_ratios(browser, targets, name)
        second = warm[name].seconds if name in warm else float("nan")
        label = f"*{name}*" if name in FLOOR_PARTS else name
        cells = [label, seconds(cold, 1), seconds(warm_run), seconds(first, 3), ratio(first),
                 f"median {_median(paired):.2f}: " + " ".join(f"{r:.2f}" for r in paired)
                 if paired else "–",
                 seconds(_median([v.drawn for v in visits])), seconds(second, 3),
                 *_sent(visits[0] if visits else None)]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows), floor, ratios


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="first visits of each page")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-server", action="store_true", help="skip the AppTest timings")
    parser.add_argument("--pages", nargs="*", help="only these pages (printed, not written)")
    parser.add_argument("--no-parts", action="store_true", help="only the bare floor")
    parser.add_argument(
        "--seeded",
        type=Path,
        help="copy this data dir (filled by `tandem seed`) instead of seeding",
    )
    parser.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="serve the app of another checkout (with --seeded from its own seed; "
        "implies --no-server --no-parts; printed and --json only)",
    )
    parser.add_argument("--json", type=Path, help="also write each target's visits here")
    args = parser.parse_args()
    other_tree = args.app_root.resolve() != ROOT
    if other_tree and not args.seeded:
        parser.error("--app-root needs --seeded: a data dir that tree's `tandem seed` filled")
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-pages-"))
    url = f"sqlite:///{data_dir / 'tandem.db'}"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = url

    from app.seed import seed_database
    from app.store.db import dispose_engines, get_engine
    from app.store.migrate import upgrade

    started = time.perf_counter()
    if args.seeded:  # a data dir `tandem seed` filled: no reseeding between runs
        shutil.copytree(args.seeded, data_dir, dirs_exist_ok=True)
        if not other_tree:  # that tree's schema is its own
            upgrade(get_engine(url))
    else:
        upgrade(get_engine(url))
        seed_database(engine=get_engine(url))
    seed_s = time.perf_counter() - started
    pages = args.pages or _pages()
    run_server = not (args.no_server or other_tree)
    server = _server_times(pages, args.repeat) if run_server else {}
    dispose_engines()
    parts = not (args.no_parts or other_tree)
    browser, warm = (
        ({}, {})
        if args.no_browser
        else browser_times(data_dir, pages, args.rounds, args.app_root.resolve(), parts)
    )
    load_end = os.getloadavg()
    targets = [*(FLOOR_PARTS if parts and browser else []), *pages]
    rows, floor, ratios = table(targets, browser, warm, server)
    over = [p for p in pages if ratios[p] > RATIO]
    verdict = (
        f"Every page's first visit is within {RATIO:g}× the floor (medians)."
        if not over
        else f"Over {RATIO:g}× the floor on the first visit (medians): {', '.join(over)}."
    )
    if args.json:
        args.json.write_text(json.dumps({
            "floor": floor, "load": [load_start[0], load_end[0]],
            "pages": {p: {"first": [v.seconds for v in browser.get(p, [])],
                          "ratio": ratios[p],
                          "paired": paired_ratios(browser, targets, p) if browser else []}
                      for p in targets},
        }, indent=1))  # fmt: skip
    seeding = (
        f"copied from a data dir `tandem seed` filled (`--seeded`, {seed_s:.1f} s)"
        if args.seeded
        else f"seeded into a fresh SQLite database ({seed_s:.1f} s)"
    )
    markdown = f"""
## Every page: first render on the seeded database

`python benchmarks/bench_pages.py` · the committed sample data {seeding},
sidebar set to {SYSTEM} and the last 90 days.
Server: `AppTest.run()` of the whole app (sidebar + page), median of {args.repeat} runs
with every `st.cache_data` cleared (as after a server start; imports paid by a warm-up
run), then one warm rerun. Chromium: Debian's headless Chromium against `streamlit run`,
each visit in a new browser context, from navigation until the app reports `notRunning`;
{args.rounds} first visits of each page, each after a new data version (cold server
caches, as after an ingest), and one second visit (warm). The Overview is the default page,
opened at `/`. Before the timed visits each page is opened once for another range
({WARM_QUERY["range"]}), untimed: that pays the server's first run of the page (imports,
Plotly's templates), not the measured range's caches.

**Floor**: `benchmarks/floor_page.py` (a title and a line of text) served by its own
`streamlit run`, visited right before every other visit so that the shared machine's load
weighs on both alike; its median is the floor, and the median of each page's first visits
is shown as a multiple of it (target ≤ {RATIO:g}×); *each round* is every first visit
divided by the floor visit right before it, and their median (under a varying load, the
steadier of the two ratios: each pair saw the same moment's load). The *floor+…* rows are
the same page with one part added (`?part=`): *shell* = Tandem's navigation and sidebar
(`app/ui/shell.py`: schema check, filters, identity), *grid* = one 5-row `st.dataframe`,
*editor* = one 5-row `st.data_editor`, *plotly* = one 3-point Plotly chart, *vega* = one
2-point Vega-Lite chart (`st.vega_lite_chart`, for comparison); each one's excess over
1.00× is what that part costs any page that has it. *All drawn*: median seconds until every
Plotly chart, grid and Vega-Lite chart sent is in the page (Streamlit mounts them from lazily
loaded chunks, often after `notRunning`). Sent (read from the websocket's messages): Plotly
charts / traces / points, grids (`st.dataframe`/`st.data_editor`); *mounted*: Plotly charts ·
grids in the page at the end, of those sent (a chart in a tab not shown is never mounted);
KB: websocket bytes received.

| page | server cold | warm | Chromium 1st | 1st ÷ floor | each round | all drawn | 2nd | sent \
| grids | mounted | KB |
|---|---|---|---|---|---|---|---|---|---|---|---|
{rows}

{verdict} Targets (DESIGN.md): < 1 s server side, < 3 s to idle in Chromium.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    if args.pages is None and not other_tree and not args.json:
        write_section("bench_pages", markdown, args.out)
    print(markdown)  # noqa: T201
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
