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
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402

SYSTEM = "fraud-scoring"
QUERY = {"system": SYSTEM, "range": "90d"}


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


def _browser_times(data_dir: Path, pages: list[str]) -> dict[str, tuple[float, float]]:
    """Page -> (first visit, second visit) seconds from navigation to idle."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, IDLE, _serve

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    times: dict[str, list[float]] = {page: [] for page in pages}
    server = _serve(data_dir)
    served = next(server)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                args=CHROMIUM_ARGS, headless=True, executable_path=executable
            )
            for _ in range(2):
                for page_name in pages:
                    context = browser.new_context(viewport={"width": 1600, "height": 1000})
                    page = context.new_page()
                    start = time.perf_counter()
                    page.goto(f"{served.url}/{page_name}?{query}")
                    page.wait_for_selector("[data-testid='stApp']", timeout=120_000)
                    page.wait_for_selector(IDLE, timeout=120_000)
                    times[page_name].append(time.perf_counter() - start)
                    assert page.locator("[data-testid='stException']").count() == 0, page_name
                    context.close()
            browser.close()
    finally:
        server.close()
    return {page: (first, second) for page, (first, second) in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-pages-"))
    url = f"sqlite:///{data_dir / 'tandem.db'}"
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = url

    from app.seed import seed_database
    from app.store.db import dispose_engines, get_engine
    from app.store.migrate import upgrade

    upgrade(get_engine(url))
    started = time.perf_counter()
    seed_database(engine=get_engine(url))
    seed_s = time.perf_counter() - started
    pages = _pages()
    server = _server_times(pages, args.repeat)
    dispose_engines()
    browser = {} if args.no_browser else _browser_times(data_dir, pages)
    load_end = os.getloadavg()

    def mark(seconds: float, target: float) -> str:
        if seconds != seconds:  # NaN: not measured (--no-browser)
            return "–"
        return f"{seconds:.2f}" if seconds < target else f"**{seconds:.2f}** (over {target:g} s)"

    rows = []
    for page in pages:
        cold, warm = server[page]
        first, second = browser.get(page, (float("nan"), float("nan")))
        cells = [page, mark(cold, 1), f"{warm:.2f}", mark(first, 3), mark(second, 3)]
        rows.append("| " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    markdown = f"""
## Every page: first render on the seeded database

`python benchmarks/bench_pages.py` · the committed sample data seeded into a fresh SQLite
database ({seed_s:.1f} s), sidebar set to {SYSTEM} and the last 90 days.
Server: `AppTest.run()` of the whole app (sidebar + page), median of {args.repeat} runs
with every `st.cache_data` cleared (as after a server start; imports paid by a warm-up
run), then one warm rerun. Chromium: Debian's headless Chromium against `streamlit run`,
from navigation until the app reports `notRunning`; first visit (cold server caches),
second visit (warm).

| page | server cold (s) | server warm (s) | Chromium 1st visit (s) | Chromium 2nd visit (s) |
|---|---|---|---|---|
{table}

Targets (DESIGN.md): < 1 s server side, < 3 s to idle in Chromium.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    write_section("bench_pages", markdown, args.out)
    print(markdown)  # noqa: T201
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
