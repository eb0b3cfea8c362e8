"""The Experiments page in a real browser: runs table, histories, comparison, screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    open_tab,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_experiments_table_histories_and_compare(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/experiments?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Runs (").first.wait_for()
    # Data frames and charts mount after the script finishes: wait for them, don't race.
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(1)
    screenshot(page, "experiments")

    # The comparison is sent when its tab is clicked, not before.
    expect(page.get_by_text("Differences only")).to_have_count(0)
    open_tab(page, "Compare", page.get_by_text("Differences only"))
    page.locator("[data-testid='stDataFrame']").nth(1).wait_for()
    page.wait_for_selector(IDLE)
    page.get_by_text("Differences only").first.click()
    page.wait_for_selector(IDLE)
    assert_no_exception(page)


def test_experiments_empty_database(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/experiments")
    assert_no_exception(page)
    expect(page.get_by_text("No training runs").first).to_be_attached()
