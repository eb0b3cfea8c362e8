"""Costs in a real browser: the Overview's spend cards, the Experiments page's costs,
the Thresholds page's budget editor; no exception, screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    screenshot,
    scroll_to,
)

pytestmark = pytest.mark.browser


def test_overview_shows_the_blown_budget(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/?system=fraud-scoring")
    assert_no_exception(page)
    card = page.get_by_text("226 % of the monthly budget")
    card.first.wait_for()
    scroll_to(page, card.first)
    screenshot(page, "overview_cost")


def test_experiments_show_costs(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/experiments?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    heading = page.get_by_text("Cost per model version")
    heading.first.wait_for()
    scroll_to(page, heading.first)
    screenshot(page, "experiments_cost")


def test_thresholds_page_shows_the_budget_editor(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/thresholds?system=fraud-scoring")
    assert_no_exception(page)
    # the heading, not the signal table's hidden grid cell "Spend vs monthly budget", which
    # get_by_text also matches and which came first once the grid had mounted
    heading = page.get_by_role("heading", name="Monthly budget")
    heading.first.wait_for()
    scroll_to(page, heading.first)
    expect(page.get_by_text("250.00 EUR a month").first).to_be_attached()
    # the editor and the history are drawn when their expander is opened
    summary = page.locator("[data-testid='stExpander'] summary").filter(
        has_text="Change the budget"
    )
    amount = page.get_by_label("Amount a month")
    for attempt in range(3):  # an expander toggled while a rerun re-mounts it stays shut
        page.wait_for_selector(IDLE, timeout=60_000)
        try:
            if not amount.count():
                summary.click()
            amount.wait_for(timeout=40_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.wait_for_selector(IDLE, timeout=60_000)
    expect(amount).to_have_value("250.00")
    expect(page.get_by_text("Save budget")).to_be_attached()
    scroll_to(page, amount)
    screenshot(page, "thresholds_budget")
