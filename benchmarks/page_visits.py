"""``bench_pages``' browser half: first visits of each page and of the floors, in Chromium.

Two servers run side by side: the app (``streamlit_app.py`` of this tree, or of
another checkout for ``pages_vs.sh``) and the floors (``benchmarks/floor_page.py``).
Each visit opens a new browser context (a first-time visitor: no HTTP or code
cache) and is timed from navigation until Streamlit reports ``notRunning``,
then until every chart and grid the server sent is in the page.

What a visit sent is read from the websocket itself (each binary frame is a
``ForwardMsg``), not from the page: Streamlit mounts Plotly charts and grids
from lazily loaded JavaScript chunks, so counting the DOM at idle found none
on most pages (the old "drawn 0 / 0 / 0").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = "fraud-scoring"
QUERY = {"system": SYSTEM, "range": "90d"}
#: Each page's warm-up visit: another range, so the server pays its first-run
#: costs (Python imports, Plotly's templates) while the measured key's caches stay cold.
WARM_QUERY = {"system": SYSTEM, "range": "30d"}
DEFAULT_PAGE = "overview"  # the default st.Page (app/ui/shell.py)
FLOOR = "floor"
#: The floor with one part added (``floor_page.py?part=``): what each part costs a first visit.
FLOOR_PARTS = {
    "floor+shell": "shell",
    "floor+grid": "grid",
    "floor+editor": "editor",
    "floor+plotly": "plotly",
    "floor+vega": "vega",
    "floor+shell+grid+plotly": "shell,grid,plotly",
}
_DRAWN_JS = """([charts, grids, vega]) =>
  document.querySelectorAll('.js-plotly-plot').length >= charts &&
  document.querySelectorAll("[data-testid='stDataFrame']").length >= grids &&
  document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= vega"""
_IDLE_JS = "selector => document.querySelector(selector) !== null"
_MOUNTED_JS = """() => [document.querySelectorAll('.js-plotly-plot').length,
  document.querySelectorAll("[data-testid='stDataFrame']").length]"""


@dataclass
class Visit:
    """One page opened in a fresh context."""

    seconds: float  # navigation -> the script finished (notRunning)
    drawn: float  # navigation -> every Plotly/Vega chart and grid sent is drawn (nan: not in 20 s)
    received_kb: float
    sent: Counter[str] = field(default_factory=Counter)  # elements sent, by type
    traces: int = 0
    points: int = 0
    mounted: tuple[int, int] = (0, 0)  # Plotly charts, grids in the page at the end


def _read_frame(payload: str | bytes, visit: Visit) -> None:
    """Count the elements of one websocket frame (a ``ForwardMsg``)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: TID251

    visit.received_kb += len(payload) / 1024
    if isinstance(payload, str):
        return
    message = ForwardMsg()
    message.ParseFromString(payload)
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return
    element = message.delta.new_element
    kind = element.WhichOneof("type") or "?"
    visit.sent[kind] += 1
    if kind == "plotly_chart":
        traces = json.loads(element.plotly_chart.spec or "{}").get("data", [])
        visit.traces += len(traces)
        visit.points += sum(len(t.get("x") or t.get("values") or t.get("z") or []) for t in traces)


def visit(browser: Any, url: str) -> Visit:
    """Open ``url`` in a new context; time navigation -> ``notRunning`` -> all drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.browser.conftest import IDLE

    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    result = Visit(float("nan"), float("nan"), 0.0)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: _read_frame(p, result)))
    start = time.perf_counter()
    page.goto(url)
    # Checked on every animation frame. ``wait_for_selector`` re-checks on a backoff (0, 20,
    # 50, 100, 100 ms, then every 500 ms or more), which put a visit that ended between two
    # checks up to a second late: first visits of one page fell at ~1.1 s or ~2.2 s at random,
    # before and after alike, and hid any 10 % change (pages_vs, 2026-12-02).
    page.wait_for_function(_IDLE_JS, arg=IDLE, polling="raf", timeout=120_000)
    result.seconds = time.perf_counter() - start
    assert page.locator("[data-testid='stException']").count() == 0, url
    wanted = [result.sent[kind] for kind in ("plotly_chart", "dataframe", "vega_lite_chart")]
    try:
        page.wait_for_function(_DRAWN_JS, arg=wanted, timeout=20_000)
        result.drawn = time.perf_counter() - start
    except PlaywrightTimeout:  # e.g. a chart in a tab that is not shown: never mounted
        pass
    result.mounted = tuple(page.evaluate(_MOUNTED_JS))  # type: ignore[assignment]
    context.close()
    return result


@contextmanager
def serve(script: Path, cwd: Path, data_dir: Path, name: str) -> Iterator[str]:
    """``streamlit run script`` as ``tandem serve`` runs it, from ``cwd`` (its tree's code)."""
    from tests.support.http import wait_until_ok
    from tests.support.ports import free_port

    port = free_port()
    log = data_dir / f"{name}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(cwd),  # before the venv's editable path: that tree's `app`
        "TANDEM_DATA_DIR": str(data_dir),
        "TANDEM_DATABASE_URL": f"sqlite:///{data_dir / 'tandem.db'}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.ui.launch", "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{url}/_stcore/health", process, log, f"streamlit ({name})", 120)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def page_url(base: str, page: str, query: str) -> str:
    """The URL ``st.navigation`` serves ``page`` at: the default page (Overview) is ``/``.

    ``/overview`` is no page URL: the server answers ``page_not_found`` and runs
    the default page, so the Overview was timed with a warning round trip.
    """
    return f"{base}/{'' if page == DEFAULT_PAGE else page}?{query}"


def new_data_version(url: str) -> None:
    """Move the data version on (``queries.data_version``): every page's next visit is cold.

    As after an ingest: each cached loader is keyed on the data version, so
    the server computes the page again while its imports stay paid.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:  # plain SQL: the table is the same in older trees
        connection.execute(
            text(
                "UPDATE ingest_records SET id = id + 1"
                " WHERE id = (SELECT max(id) FROM ingest_records)"
            )
        )
    engine.dispose()


def browser_times(
    data_dir: Path, pages: list[str], rounds: int, app_root: Path = ROOT, parts: bool = True
) -> tuple[dict[str, list[Visit]], dict[str, Visit]]:
    """Target -> its first visits, one a round (``FLOOR``: every floor visit); page -> warm visit.

    Targets are the floor with each of ``FLOOR_PARTS`` (unless ``parts`` is off)
    and the pages. Every round starts with a new data version, so each round's
    visit of a page is a first visit (cold server caches); in the first round
    each page is visited a second time, warm. Each target's visit follows a
    visit of the floor, so whatever load the shared machine carries at that
    moment weighs on both alike. Not timed: each server's first session, and
    one visit of each page with ``WARM_QUERY`` (the page's first run imports
    its modules, which no later visitor pays).
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    warm = "&".join(f"{k}={v}" for k, v in WARM_QUERY.items())
    floor_parts = FLOOR_PARTS if parts else {}
    visits: dict[str, list[Visit]] = {name: [] for name in [FLOOR, *floor_parts, *pages]}
    warm_visits: dict[str, Visit] = {}
    with (
        serve(app_root / "streamlit_app.py", app_root, data_dir, "app") as app_url,
        serve(ROOT / "benchmarks" / "floor_page.py", ROOT, data_dir, "floor") as floor_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            args=CHROMIUM_ARGS, headless=True, executable_path=executable
        )
        urls = {name: f"{floor_url}/?part={part}&{query}" for name, part in floor_parts.items()}
        for name in floor_parts:  # the floor server's first sessions (and the shell's imports)
            visit(browser, urls[name])
        for name in pages:  # ...and the app server's first run of each page
            visit(browser, page_url(app_url, name, warm))
            urls[name] = page_url(app_url, name, query)
        for round_ in range(rounds):
            new_data_version(f"sqlite:///{data_dir / 'tandem.db'}")
            for name in [*floor_parts, *pages]:
                visits[FLOOR].append(visit(browser, f"{floor_url}/"))
                visits[name].append(visit(browser, urls[name]))
                if round_ == 0 and name in pages:
                    warm_visits[name] = visit(browser, urls[name])
        browser.close()
    return visits, warm_visits
