"""Model performance in a real browser: the bad release, a window pick, empty state, screenshot."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    chart_value,
    open_and_wait,
    open_tab,
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
    # trend, and the One window tab (open first): confusion matrix
    expect(charts).to_have_count(2, timeout=60_000)
    warning = page.locator("[data-testid='stAlert']").filter(has_text="outside the band")
    expect(warning).to_contain_text("v4")  # the rolled-back release
    expect(page.get_by_text("labels pending").first).to_be_attached()
    expect(page.locator("[data-testid='stMetric']")).to_have_count(4)
    expect(page).to_have_url(re.compile(r"[?&]metric=roc_auc(&|$)"))
    screenshot(page, "model_performance")
    # the other sections are drawn when their tab is opened
    open_tab(
        page, "Champion vs challenger", page.get_by_text("Champion vs challenger on the same days")
    )
    expect(charts).to_have_count(2, timeout=60_000)  # trend, champion vs challenger


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
    expect(page.get_by_text("No production data yet").first).to_be_attached()


def test_regression_estimate_and_its_band_are_drawn(seeded_server: Server, page) -> None:
    """DLE on demand-forecast: the dotted estimate, its shaded band, the flagged promotion day."""
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=demand-forecast&range=30d")
    assert_no_exception(page)
    # the trend by its key: the page's first drawn chart can be another (the residuals)
    trend = "() => document.querySelector('.st-key-perf_trend .js-plotly-plot')"
    names = chart_value(page, trend, "p.data.map(t => t.name || '')")
    assert "v2 estimated (no labels needed)" in names
    assert "v2 estimate's band (±3 sampling errors)" in names
    drawn = chart_value(  # _fullData: the y values as drawn (decoded from binary)
        page,
        trend,
        "Array.from(p._fullData.find(t => t.name === 'v2 estimated (no labels needed)').y)"
        ".filter(v => v !== null && !Number.isNaN(v)).length",
    )
    assert drawn >= 25  # every day of the 30, labelled or not
    warning = page.locator("[data-testid='stAlert']").filter(has_text="Estimated outside the band")
    expect(warning).to_contain_text("1 day(s)")
    expect(page.get_by_text("labels pending").first).to_be_attached()
    screenshot(page, "model_performance_dle")
