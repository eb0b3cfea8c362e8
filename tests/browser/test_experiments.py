"""The Experiments page in a real browser: runs table, histories, comparison, screenshot."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server, assert_no_exception, open_and_wait, screenshot

pytestmark = pytest.mark.browser


def test_experiments_table_histories_and_compare(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/experiments?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Runs (").first.wait_for()
    # Data frames and charts mount after the script finishes: wait for them, don't race.
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1
    screenshot(page, "experiments")

    # The comparison is sent when its tab is clicked, not before.
    assert page.get_by_text("Differences only").count() == 0
    page.get_by_role("tab", name="Compare").click()
    page.get_by_text("Differences only").first.wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").nth(1).wait_for()
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.get_by_text("Differences only").first.click()
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert_no_exception(page)


def test_experiments_empty_database(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/experiments")
    assert_no_exception(page)
    assert page.get_by_text("No training runs").count() >= 1
