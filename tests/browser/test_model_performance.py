"""Model performance in a real browser: the bad release, a window pick, empty state, screenshot."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    pick_option,
    screenshot,
)

pytestmark = pytest.mark.browser


def _param(page, name: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(name, [None])[0]


def test_bad_release_shows_as_a_drop(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=30d")
    assert_no_exception(page)
    charts = page.locator(".js-plotly-plot")
    # trend, and the One window tab (open first): confusion matrix, fairness gap
    charts.nth(2).wait_for(timeout=60_000)
    assert charts.count() == 3
    warning = page.locator("[data-testid='stAlert']").filter(has_text="outside the band")
    assert "v4" in warning.inner_text()  # the rolled-back release
    assert page.get_by_text("labels pending").count() >= 1
    assert page.locator("[data-testid='stMetric']").count() == 4
    assert _param(page, "metric") == "roc_auc"
    screenshot(page, "model_performance")
    # the other sections are drawn when their tab is opened
    page.get_by_role("tab", name="Champion vs challenger").click()
    page.get_by_text("Champion vs challenger on the same days").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    charts.nth(1).wait_for(timeout=60_000)
    assert charts.count() == 2  # trend, champion vs challenger


def test_picking_a_window_updates_the_url(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=30d")
    before = _param(page, "window")
    pick_option(page, "Window")
    page.wait_for_function(
        f"() => !window.location.href.includes('window={before}&')"
        f" && !window.location.href.endsWith('window={before}')",
        timeout=60_000,
    )
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    assert _param(page, "window") not in (None, before)


def test_empty_database_explains(empty_server: Server, page) -> None:
    open_and_wait(page, f"{empty_server.url}/model_performance")
    assert_no_exception(page)
    assert page.get_by_text("No production data yet").count() >= 1


def test_regression_estimate_and_its_band_are_drawn(seeded_server: Server, page) -> None:
    """DLE on demand-forecast: the dotted estimate, its shaded band, the flagged promotion day."""
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=demand-forecast&range=30d")
    assert_no_exception(page)
    trend = page.locator(".js-plotly-plot").first
    trend.wait_for(timeout=60_000)
    names = page.evaluate(
        "() => document.querySelector('.js-plotly-plot').data.map(t => t.name || '')"
    )
    assert "v2 estimated (no labels needed)" in names
    assert "v2 estimate's band (±3 sampling errors)" in names
    drawn = page.evaluate(  # _fullData: the y values as drawn (decoded from binary)
        "() => Array.from(document.querySelector('.js-plotly-plot')._fullData"
        ".find(t => t.name === 'v2 estimated (no labels needed)').y)"
        ".filter(v => v !== null && !Number.isNaN(v)).length"
    )
    assert drawn >= 25  # every day of the 30, labelled or not
    warning = page.locator("[data-testid='stAlert']").filter(has_text="Estimated outside the band")
    assert "1 day(s)" in warning.inner_text()
    assert page.get_by_text("labels pending").count() >= 1
    screenshot(page, "model_performance_dle")
