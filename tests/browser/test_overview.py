"""The Overview in a real browser: every system visible, no exception, a screenshot."""

from __future__ import annotations

import pytest

from app.store.db import get_engine
from app.store.queries import system_names
from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
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
        assert page.get_by_text(name).count() >= 1, name
    screenshot(page, "overview")


def test_picking_a_system_narrows_the_overview_and_the_url(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/?system=checkout-api&range=7d")
    assert_no_exception(page)
    assert "system=checkout-api" in page.url
    tiles_heading = page.locator("text=fraud-scoring")
    assert tiles_heading.count() == 0


def test_empty_database_tells_how_to_load_data(empty_server: Server, page) -> None:
    open_and_wait(page, empty_server.url)
    assert_no_exception(page)
    assert page.get_by_text("No data yet").count() >= 1
    assert page.get_by_text("tandem seed").count() >= 1


def test_timeline_tabs_load_the_picked_system_only(seeded_server: Server, page) -> None:
    open_and_wait(page, seeded_server.url)
    tabs = page.get_by_role("tab")
    tabs.nth(2).wait_for()
    charts = page.locator("[data-testid='stTabs'] [data-testid='stPlotlyChart']")
    charts.first.wait_for()
    assert charts.count() == 1  # only the open tab ran
    second = tabs.nth(1)
    name = second.inner_text().strip()
    second.click()
    page.wait_for_selector(IDLE, timeout=90_000)
    charts.first.wait_for()
    assert_no_exception(page)
    assert charts.count() == 1
    assert second.get_attribute("aria-selected") == "true", name
    assert page.locator(f"[data-testid='stTabs'] >> text=No data for {name}").count() == 0
