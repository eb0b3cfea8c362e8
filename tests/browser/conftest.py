"""The real server and headless Chromium.

Each session serves the app with ``streamlit run`` on a free loopback port over
a copy of the seeded data, and drives it with Playwright using Debian's
Chromium (Playwright's own browser download is not available everywhere).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.health.threshold_edits import ChangeRecord, change_history
from app.store.db import get_engine
from tests.support.browser import CHROMIUM_ARGS  # noqa: F401 (imported from here by tests)
from tests.support.streamlit_server import serve_app

pytestmark = pytest.mark.browser

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path


def _serve(data_dir: Path) -> Iterator[Server]:
    """The app over ``data_dir``'s SQLite file, started as ``tandem serve`` starts it."""
    with serve_app(data_dir) as app:
        yield Server(url=app.url, data_dir=data_dir)


@pytest.fixture(scope="session")
def seeded_server(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(seeded_template, data_dir)
    yield from _serve(data_dir)


@pytest.fixture(scope="module")
def own_server(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of the test module's own: its tests save thresholds others should not see."""
    data_dir = tmp_path_factory.mktemp("served-own") / "data"
    shutil.copytree(seeded_template, data_dir)
    yield from _serve(data_dir)


@pytest.fixture(scope="session")
def empty_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("served-empty")
    shutil.copy(sqlite_template, data_dir / "tandem.db")
    yield from _serve(data_dir)


def open_and_wait(page: object, url: str, timeout_ms: int = 90_000) -> None:
    """Open ``url`` and wait until Streamlit says the script finished."""
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)  # type: ignore[attr-defined]
    page.wait_for_selector(IDLE, timeout=timeout_ms)  # type: ignore[attr-defined]


def pick_option(page: object, label: str, index: int = 0, attempts: int = 5) -> None:
    """Choose the ``index``-th option of the selectbox labelled ``label``.

    A rerun (a query parameter written back, a chart arriving) re-mounts the selectbox and
    closes its dropdown, detaching the option under the click; so the whole open-and-click
    is retried on a page that is idle again, not just the click.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.locator("[data-testid='stSelectbox']").filter(has_text=label).locator("input")  # type: ignore[attr-defined]
    option = page.get_by_role("option").nth(index)  # type: ignore[attr-defined]
    for attempt in range(attempts):
        page.wait_for_selector(IDLE, timeout=60_000)  # type: ignore[attr-defined]
        try:
            picker.click(timeout=30_000)
            option.click(timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")  # type: ignore[attr-defined]


def scroll_to(page: object, locator: object, attempts: int = 5) -> None:
    """Scroll ``locator`` into view, again if a rerun re-drew it under the scroll.

    Plotly redraws its SVG (titles are ``tspan``s) and Streamlit re-mounts elements when a
    rerun lands, so the element found can be detached before the scroll finishes.
    """
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(attempts):
        page.wait_for_selector(IDLE, timeout=60_000)  # type: ignore[attr-defined]
        try:
            locator.scroll_into_view_if_needed(timeout=30_000)  # type: ignore[attr-defined]
            return
        except PlaywrightError:
            if attempt == attempts - 1:
                raise


def open_tab(page: object, name: str, shows: object, attempts: int = 3) -> None:
    """Click the tab ``name`` and wait for ``shows``, a locator of what its rerun draws.

    A tab's section is computed when it is opened (``on_change="rerun"``); a click that lands
    while a rerun re-mounts the tabs can be lost, so the click is made again on an idle page
    (clicking the open tab changes nothing)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab = page.get_by_role("tab", name=name)  # type: ignore[attr-defined]
    for attempt in range(attempts):
        page.wait_for_selector(IDLE, timeout=60_000)  # type: ignore[attr-defined]
        try:
            tab.click(timeout=30_000)
            shows.first.wait_for(timeout=40_000)  # type: ignore[attr-defined]
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    page.wait_for_selector(IDLE, timeout=60_000)  # type: ignore[attr-defined]


def chart_value(page: object, chart: str, expression: str, timeout_ms: int = 60_000) -> object:
    """``expression`` (JavaScript over ``p``, the Plotly chart the function ``chart`` finds).

    Evaluated in one go once the chart is drawn, and again until then: a chart looked up and
    read in two steps can be replaced by a rerun in between."""
    found = page.wait_for_function(  # type: ignore[attr-defined]
        f"""() => {{
          const p = ({chart})();
          if (!p || !p.data || !p.layout) return null;
          try {{ return {{value: {expression}}}; }} catch (e) {{ return null; }}
        }}""",
        timeout=timeout_ms,
    )
    return found.json_value()["value"]


def screenshot(page: object, name: str) -> Path:
    """Save the whole page: Streamlit scrolls inside its main block, so grow the viewport."""
    height = page.evaluate(  # type: ignore[attr-defined]
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 800)"
    )
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    page.set_viewport_size({"width": width, "height": int(height) + 40})  # type: ignore[attr-defined]
    page.wait_for_selector(IDLE)  # type: ignore[attr-defined]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path


def assert_no_exception(page: object) -> None:
    errors = page.locator("[data-testid='stException']")  # type: ignore[attr-defined]
    assert errors.count() == 0, errors.first.inner_text()


_EDITOR_WITH = """(signal) => {
  const pickers = [...document.querySelectorAll("[data-testid='stSelectbox']")]
    .filter(p => p.innerText.includes("Edit a threshold"));
  const shown = p => p.innerText + " " + ((p.querySelector("input") || {}).value || "");
  return pickers.findIndex(p => shown(p).includes(`(${signal})`)) + 1;
}"""


def inline_editor(page: object, signal: str) -> int:
    """Which of the page's inline editors (in page order) has ``signal`` chosen.

    Asked again until that editor is there: the editors arrive with their sections, and a
    section can land after the page first looks idle."""
    page.wait_for_selector(IDLE, timeout=60_000)  # type: ignore[attr-defined]
    found = page.wait_for_function(_EDITOR_WITH, arg=signal, timeout=60_000)  # type: ignore[attr-defined]
    return int(found.json_value()) - 1


def save_inline_warn(page: object, server: Server, value: str, editor: int = 0) -> ChangeRecord:
    """Type ``value`` as inline editor ``editor``'s warn bound, save, return the audit row."""
    from playwright.sync_api import expect

    warn = page.get_by_label("Warn (ratio)").nth(editor)  # type: ignore[attr-defined]
    warn.fill(value)
    warn.press("Enter")
    save = page.get_by_role("button", name="Save").nth(editor)  # type: ignore[attr-defined]
    expect(save).to_be_enabled(timeout=60_000)  # the rerun with the new value has drawn it
    page.wait_for_selector(IDLE, timeout=90_000)  # type: ignore[attr-defined]  # ...and finished
    engine = get_engine(f"sqlite:///{server.data_dir / 'tandem.db'}")
    for _attempt in range(3):  # a click that lands while a rerun starts can be dropped
        save.click()
        deadline = time.monotonic() + 20
        while not change_history(engine) and time.monotonic() < deadline:
            time.sleep(0.2)  # polls the audit table; the save is what we wait on
        page.wait_for_selector(IDLE, timeout=90_000)  # type: ignore[attr-defined]
        if change_history(engine) or not save.is_enabled():
            break
    assert_no_exception(page)
    (change,) = change_history(engine)
    return change
