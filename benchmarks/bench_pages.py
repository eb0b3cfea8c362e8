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
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402

SYSTEM = "fraud-scoring"
QUERY = {"system": SYSTEM, "range": "90d"}
#: Each page's warm-up visit: another range, so the server pays its first-run
#: costs (Python imports, Plotly's templates) while the measured key's caches stay cold.
WARM_QUERY = {"system": SYSTEM, "range": "30d"}
DEFAULT_PAGE = "overview"  # st.Page(..., default=True) in streamlit_app.py
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


FLOOR = "floor"
#: What the browser holds once a page is idle: Plotly charts, their traces and
#: points (x values summed over traces), dataframes, and DOM elements.
_COUNT_JS = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const traces = plots.reduce((n, p) => n + (p.data ? p.data.length : 0), 0);
  const points = plots.reduce((n, p) => n + (p.data || []).reduce(
    (m, t) => m + (t.x ? t.x.length : (t.values ? t.values.length : 0)), 0), 0);
  return {charts: plots.length, traces: traces, points: points,
          frames: document.querySelectorAll("[data-testid='stDataFrame']").length,
          nodes: document.getElementsByTagName('*').length};
}"""


_DRAWN_JS = """() => document.querySelectorAll('.js-plotly-plot').length >=
  document.querySelectorAll("[data-testid='stPlotlyChart']").length"""


@dataclass
class Visit:
    """One page opened in a fresh context: seconds to idle, what was sent and drawn."""

    seconds: float
    received_kb: float
    counts: dict[str, int]


def page_url(base: str, page: str, query: str) -> str:
    """The URL ``st.navigation`` serves ``page`` at: the default page (Overview) is ``/``.

    ``/overview`` is no page URL: the server answers ``page_not_found`` and runs
    the default page, so the Overview was timed with a warning round trip.
    """
    return f"{base}/{'' if page == DEFAULT_PAGE else page}?{query}"


def _serve_floor(data_dir: Path) -> Iterator[str]:
    """``streamlit run benchmarks/floor_page.py`` on a loopback port of its own."""
    from tests.support.http import wait_until_ok
    from tests.support.ports import free_port

    port = free_port()
    log = data_dir / "floor.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "benchmarks" / "floor_page.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{url}/_stcore/health", process, log, "streamlit (floor)")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _visit(browser: Any, url: str) -> Visit:
    """Open ``url`` in a new context; time navigation -> ``notRunning``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.browser.conftest import IDLE

    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    received = [0]

    def on_socket(socket: Any) -> None:
        socket.on(
            "framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload))
        )

    page.on("websocket", on_socket)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']", timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    seconds = time.perf_counter() - start
    assert page.locator("[data-testid='stException']").count() == 0, url
    # Charts mount after the script finishes: count once every chart sent has been drawn
    # (untimed; a chart that never draws within 20 s is counted as not drawn).
    try:
        page.wait_for_function(_DRAWN_JS, timeout=20_000)
    except PlaywrightTimeout:
        pass
    counts = page.evaluate(_COUNT_JS)
    context.close()
    return Visit(seconds, received[0] / 1024, counts)


def _new_data_version(url: str) -> None:
    """Move the data version on (``queries.data_version``): every page's next visit is cold.

    As after an ingest: each cached loader is keyed on the data version, so
    the server computes the page again while its imports stay paid.
    """
    from sqlalchemy import func, select, update

    from app.store.db import get_engine, session_scope
    from app.store.models import IngestRecord

    with session_scope(get_engine(url)) as session:
        newest = session.scalar(select(func.max(IngestRecord.id)))
        session.execute(update(IngestRecord).where(IngestRecord.id == newest).values(id=newest + 1))


def _browser_times(
    data_dir: Path, pages: list[str], rounds: int
) -> tuple[dict[str, list[Visit]], dict[str, Visit]]:
    """Page -> its first visits, one a round; ``FLOOR`` -> every floor visit; page -> warm visit.

    Every round starts with a new data version, so each round's visit of a page
    is a first visit (cold server caches); in the first round each page is
    visited a second time, warm. Each page visit follows a visit of the floor,
    so whatever load the shared machine carries at that moment weighs on both
    alike. Both servers' first sessions are not timed: the floor's, and one
    visit of each page with ``WARM_QUERY`` (the page's first run imports its
    modules, which no later visitor pays; the first page in the list paid them
    all before).
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, _serve

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    visits: dict[str, list[Visit]] = {page: [] for page in [FLOOR, *pages]}
    warm_visits: dict[str, Visit] = {}
    server = _serve(data_dir)
    served = next(server)
    floor = _serve_floor(data_dir)
    floor_url = next(floor)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                args=CHROMIUM_ARGS, headless=True, executable_path=executable
            )
            _visit(browser, f"{floor_url}/")  # the floor server's own first session
            warm = "&".join(f"{k}={v}" for k, v in WARM_QUERY.items())
            for page_name in pages:  # ...and the app server's first run of each page
                _visit(browser, page_url(served.url, page_name, warm))
            for round_ in range(rounds):
                _new_data_version(f"sqlite:///{data_dir / 'tandem.db'}")
                for page_name in pages:
                    url = page_url(served.url, page_name, query)
                    visits[FLOOR].append(_visit(browser, f"{floor_url}/"))
                    visits[page_name].append(_visit(browser, url))
                    if round_ == 0:
                        warm_visits[page_name] = _visit(browser, url)
            browser.close()
    finally:
        floor.close()
        server.close()
    return visits, warm_visits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="first visits of each page")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-server", action="store_true", help="skip the AppTest timings")
    parser.add_argument("--pages", nargs="*", help="only these pages (printed, not written)")
    parser.add_argument(
        "--seeded",
        type=Path,
        help="copy this data dir (filled by `tandem seed`) instead of seeding",
    )
    args = parser.parse_args()
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
        upgrade(get_engine(url))
    else:
        upgrade(get_engine(url))
        seed_database(engine=get_engine(url))
    seed_s = time.perf_counter() - started
    pages = args.pages or _pages()
    server = {} if args.no_server else _server_times(pages, args.repeat)
    dispose_engines()
    browser, warm = ({}, {}) if args.no_browser else _browser_times(data_dir, pages, args.rounds)
    load_end = os.getloadavg()
    floor_visits = [v.seconds for v in browser.get(FLOOR, [])]
    floor = statistics.median(floor_visits) if floor_visits else float("nan")

    def seconds(value: float, target: float) -> str:
        if value != value:  # NaN: not measured
            return "–"
        return f"{value:.2f}" if value < target else f"**{value:.2f}** (over {target:g} s)"

    def ratio(value: float) -> str:
        if value != value or floor != floor:
            return "–"
        share = value / floor
        return f"{share:.2f}×" if share <= RATIO else f"**{share:.2f}×**"

    def drawn(visit: Visit | None) -> list[str]:
        if visit is None:
            return ["–", "–", "–"]
        c = visit.counts
        return [f"{c['charts']} / {c['traces']} / {c['points']}", str(c["frames"]),
                f"{visit.received_kb:.0f}"]  # fmt: skip

    nan = float("nan")
    floor_first = browser[FLOOR][0] if browser else None
    spread = f"{min(floor_visits):.2f}–{max(floor_visits):.2f}" if floor_visits else "–"
    rows = [
        "| " + " | ".join([f"*floor* ({len(floor_visits)} visits, median)", "–", "–",
                           seconds(floor, 3), "1.00×", "–",
                           spread,
                           *drawn(floor_first)]) + " |"
    ]  # fmt: skip
    floors = browser.get(FLOOR, [])

    def paired(page: str) -> list[float]:
        """Each round's first visit ÷ the floor visit right before it."""
        at = pages.index(page)
        return [
            v.seconds / floors[r * len(pages) + at].seconds
            for r, v in enumerate(browser.get(page, []))
        ]

    medians: dict[str, float] = {}
    for page in pages:
        cold, warm_run = server.get(page, (nan, nan))
        visits = browser.get(page, [])
        first = statistics.median(v.seconds for v in visits) if visits else nan
        medians[page] = first
        second = warm[page].seconds if page in warm else nan
        rounds = " ".join(f"{r:.2f}" for r in paired(page)) or "–"
        cells = [page, seconds(cold, 1), "–" if warm_run != warm_run else f"{warm_run:.2f}",
                 seconds(first, 3), ratio(first), rounds, seconds(second, 3),
                 *drawn(visits[0] if visits else None)]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    over = [p for p in pages if medians[p] > RATIO * floor]
    verdict = (
        f"Every page's first visit is within {RATIO:g}× the floor (medians)."
        if not over
        else f"Over {RATIO:g}× the floor on the first visit (medians): {', '.join(over)}."
    )
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
`streamlit run`, visited right before every page visit so that the shared machine's load
weighs on both alike; its median is the floor, and the median of each page's first visits
is shown as a multiple of it (target ≤ {RATIO:g}×); *each round* is every first visit
divided by the floor visit right before it. Drawn: Plotly charts / traces / points (x values)
and dataframes in the page once idle; KB: websocket bytes the browser received. Times in s.

| page | server cold | warm | Chromium 1st | 1st ÷ floor | each round | 2nd | drawn | frames | KB |
|---|---|---|---|---|---|---|---|---|---|
{table}

{verdict} Targets (DESIGN.md): < 1 s server side, < 3 s to idle in Chromium.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    if args.pages is None:
        write_section("bench_pages", markdown, args.out)
    print(markdown)  # noqa: T201
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
