"""Drift and Data quality in a real browser: open, click, no exception, screenshots."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import IDLE, Server, assert_no_exception, open_and_wait, screenshot

pytestmark = pytest.mark.browser


def _param(page, name: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(name, [None])[0]


def test_drift_heatmap_click_opens_that_window(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/drift?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Drift over time").wait_for()
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    before = (_param(page, "window"), _param(page, "feature"))
    heatmap = page.locator(".js-plotly-plot").last
    heatmap.scroll_into_view_if_needed()
    cells = heatmap.locator(".scatterlayer .trace").first.locator("path.point")
    assert cells.count() > 100  # features × windows
    url = page.url
    cells.nth(300).click(force=True)
    page.wait_for_function(f"() => window.location.href !== {url!r}", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    after = (_param(page, "window"), _param(page, "feature"))
    assert after != before, (before, after)
    assert None not in after
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    screenshot(page, "drift")


def test_data_quality_shows_the_etl_break(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/data_quality?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Trends over windows").wait_for()
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Worst missing share")
    value = metric.locator("[data-testid='stMetricValue']").inner_text()
    assert float(value.rstrip("%")) > 35  # the ETL break: ~40% of merchant_risk missing
    assert "merchant_risk" in metric.inner_text()
    screenshot(page, "data_quality")


def test_empty_database_explains(empty_server: Server, page) -> None:
    for path in ("drift", "data_quality"):
        open_and_wait(page, f"{empty_server.url}/{path}")
        assert_no_exception(page)
        assert page.get_by_text("No production data yet").count() >= 1
