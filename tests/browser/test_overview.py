"""The Overview in a real browser: every system visible, no exception, a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.store.db import get_engine
from app.store.queries import system_names
from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    open_tab,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_overview_shows_every_system(seeded_server: Server, page) -> None:
    open_and_wait(page, seeded_server.url)
    page.get_by_text("Overview").first.wait_for()
    assert_no_exception(page)
    names = system_names(get_engine(f"sqlite:///{seeded_server.data_dir / 'tandem.db'}"))
    assert len(names) >= 3
    for name in names:
        expect(page.get_by_text(name).first).to_be_attached()
    screenshot(page, "overview")


def test_picking_a_system_narrows_the_overview_and_the_url(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/?system=checkout-api&range=7d")
    assert_no_exception(page)
    assert "system=checkout-api" in page.url
    expect(page.locator("text=fraud-scoring")).to_have_count(0)


def test_empty_database_tells_how_to_load_data(empty_server: Server, page) -> None:
    open_and_wait(page, empty_server.url)
    assert_no_exception(page)
    expect(page.get_by_text("No data yet").first).to_be_attached()
    expect(page.get_by_text("tandem seed").first).to_be_attached()


def test_timeline_tabs_load_the_picked_system_only(seeded_server: Server, page) -> None:
    open_and_wait(page, seeded_server.url)
    tabs = page.get_by_role("tab")
    tabs.nth(2).wait_for()
    charts = page.locator("[data-testid='stTabs'] [data-testid='stPlotlyChart']")
    charts.first.wait_for()
    expect(charts).to_have_count(1)  # only the open tab ran
    second = tabs.nth(1)
    name = second.inner_text().strip()
    # the chart in the tab shown now: the picked system's, sent by the click's rerun
    shown = page.locator(
        "[data-testid='stTabs'] [role='tabpanel']:visible [data-testid='stPlotlyChart']"
    )
    open_tab(page, name, shown)
    page.wait_for_selector(IDLE, timeout=90_000)
    assert_no_exception(page)
    expect(charts).to_have_count(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"[data-testid='stTabs'] >> text=No data for {name}")).to_have_count(0)
