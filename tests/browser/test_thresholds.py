"""Thresholds in a real browser: an inline edit on the Overview shows on the Thresholds page."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from app.health.catalog import SIGNALS
from app.health.threshold_edits import change_history
from app.store.db import get_engine
from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    save_inline_warn,
    screenshot,
)

pytestmark = pytest.mark.browser

# The grid lists the signals in the catalogue's order.
ERROR_RATE_ROW = [s.key for s in SIGNALS].index("operate.error_rate")


def test_inline_edit_shows_on_the_thresholds_page(own_server: Server, page) -> None:
    open_and_wait(page, f"{own_server.url}/?system=fraud-scoring")
    warn = page.get_by_label("Warn (ratio)")
    for attempt in range(3):  # a toggle that lands while a rerun re-mounts the expander is lost
        page.wait_for_selector(IDLE, timeout=60_000)
        try:
            if not warn.count():
                page.get_by_text("All signals of fraud-scoring").click()
            warn.first.wait_for(timeout=40_000)  # the expander's table and its editor
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    change = save_inline_warn(page, own_server, "0.93")
    assert (change.scope, change.signal, change.new_warn) == ("fraud-scoring", "ci.pass_rate", 0.93)

    open_and_wait(page, f"{own_server.url}/thresholds?system=fraud-scoring")
    assert_no_exception(page)
    page.get_by_text("fraud-scoring's own bounds").first.wait_for()
    expect(page.get_by_text("ci.pass_rate: warn 0.93").first).to_be_attached()

    # Loosen checkout-api's critical error rate in the grid: the what-if preview (how
    # many hours would have been critical) appears before anything is saved.
    what_if = page.get_by_text("What if: operate.error_rate").first
    for attempt in range(3):
        # A fresh page each time: a new session, no edit pending from a try that went wrong.
        open_and_wait(page, f"{own_server.url}/thresholds?system=checkout-api")
        page.get_by_text("checkout-api's own bounds").first.wait_for()
        try:
            edit_cell(page, row=ERROR_RATE_ROW, column=4, value="0.05")
            page.get_by_text("1 unsaved change(s)").wait_for(timeout=20_000)
            page.wait_for_selector(IDLE, timeout=60_000)
            what_if.wait_for(timeout=20_000)  # not there: the keys went to another cell
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    # the signal with its old and new lines, drawn once Plotly has mounted
    page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
    assert_no_exception(page)
    expect(page.get_by_text("1 unsaved change(s)")).to_have_count(1)
    assert len(change_history(get_engine(f"sqlite:///{own_server.data_dir / 'tandem.db'}"))) == 1
    screenshot(page, "thresholds")


def edit_cell(page, row: int, column: int, value: str) -> None:
    """Edit a data-editor cell (the grid is a canvas): click the row's first cell, move
    ``column`` right with the keyboard, open the editor, replace the value, commit.

    Clicking the row itself (35 px header, 35 px rows) rather than walking down from the
    first row with ArrowDown: a dropped key press there edited the wrong signal. The click
    is the locator's, placed when the grid has stopped moving (Playwright waits for a stable
    box), not at a box measured before the page finished laying out."""
    page.wait_for_selector(IDLE, timeout=60_000)
    # The glide grid's scroller lies over its canvas, corner on corner, and takes the clicks.
    grid = page.locator("[data-testid='stDataFrame'] .dvn-scroller").first
    grid.click(position={"x": 40, "y": 35 + 35 * row + 17}, timeout=20_000)
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor = page.locator(".gdg-input").first  # the cell's overlay editor, once it is open
    editor.wait_for(timeout=10_000)
    editor.fill(value)
    editor.press("Enter")


def test_thresholds_page_on_an_empty_database(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/thresholds")
    assert_no_exception(page)
    expect(page.get_by_text("No systems yet").first).to_be_attached()
