"""Thresholds in a real browser: an inline edit on the Overview shows on the Thresholds page."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from app.health.threshold_edits import change_history
from app.store.db import get_engine
from tests.browser.conftest import (
    IDLE,
    Server,
    _serve,
    assert_no_exception,
    open_and_wait,
    screenshot,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def own_server(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: these tests write thresholds, which the others should not see."""
    data_dir = tmp_path_factory.mktemp("served-thresholds") / "data"
    shutil.copytree(seeded_template, data_dir)
    yield from _serve(data_dir)


def test_inline_edit_shows_on_the_thresholds_page(own_server: Server, page) -> None:
    open_and_wait(page, f"{own_server.url}/?system=fraud-scoring")
    page.get_by_text("All signals of fraud-scoring").click()
    warn = page.get_by_label("Warn (ratio)")
    warn.fill("0.93")
    warn.press("Enter")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled(timeout=15_000)  # the rerun with the new value has happened
    save.click()
    engine = get_engine(f"sqlite:///{own_server.data_dir / 'tandem.db'}")
    deadline = time.monotonic() + 15
    while not change_history(engine) and time.monotonic() < deadline:
        time.sleep(0.2)
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    (change,) = change_history(engine)
    assert (change.scope, change.signal, change.new_warn) == ("fraud-scoring", "ci.pass_rate", 0.93)

    open_and_wait(page, f"{own_server.url}/thresholds?system=fraud-scoring")
    assert_no_exception(page)
    page.get_by_text("fraud-scoring's own bounds").first.wait_for()
    assert page.get_by_text("ci.pass_rate: warn 0.93").count() >= 1

    # Loosen checkout-api's critical error rate in the grid: the what-if preview (how
    # many hours would have been critical) appears before anything is saved.
    open_and_wait(page, f"{own_server.url}/thresholds?system=checkout-api")
    page.get_by_text("checkout-api's own bounds").first.wait_for()
    pending = page.get_by_text("1 unsaved change(s)")
    for _attempt in range(3):  # the grid may redraw under the first keystrokes
        try:
            edit_cell(page, row=6, column=4, value="0.05")
            pending.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
    expect(pending).to_be_visible()
    page.get_by_text("What if: operate.error_rate").first.wait_for()
    page.wait_for_selector(IDLE)
    assert_no_exception(page)
    assert page.get_by_text("1 unsaved change(s)").count() == 1
    assert len(change_history(engine)) == 1
    screenshot(page, "thresholds")


def edit_cell(page, row: int, column: int, value: str) -> None:
    """Edit a data-editor cell with the keyboard (the grid is a canvas): from the first cell,
    move ``column`` right and ``row`` down, open the editor, replace the value, commit."""
    grid = page.locator("[data-testid='stDataFrame'] canvas").first
    grid.wait_for()
    page.wait_for_timeout(1000)  # the grid draws after the script is idle
    canvas = grid.bounding_box()
    page.mouse.click(canvas["x"] + 40, canvas["y"] + 35 + 17)  # below the 35 px header
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    editor = page.locator(".gdg-input").first  # the cell's overlay editor, once it is open
    editor.wait_for(timeout=10_000)
    editor.fill(value)
    editor.press("Enter")


def test_thresholds_page_on_an_empty_database(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/thresholds")
    assert_no_exception(page)
    assert page.get_by_text("No systems yet").count() >= 1
