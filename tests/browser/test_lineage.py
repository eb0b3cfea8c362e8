"""The Lineage page in a real browser: the graph, the rolled-back release, the version diff."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, assert_no_exception, open_and_wait, screenshot

pytestmark = pytest.mark.browser


def test_lineage_graph_and_version_diff(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/lineage?system=fraud-scoring")
    assert_no_exception(page)
    page.get_by_text("Version diff").first.wait_for()
    # the page is taller than the window: grow it (as screenshot does) so the chart mounts
    page.set_viewport_size({"width": 1600, "height": 2400})
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=90_000)
    expect(page.get_by_text("Rolled back:").first).to_be_attached()
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(2)  # frames mount late
    screenshot(page, "lineage")

    page.get_by_text("Differences only").first.click()
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert_no_exception(page)


def test_lineage_empty_database(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/lineage")
    assert_no_exception(page)
    expect(page.get_by_text("No registered model versions").first).to_be_attached()
