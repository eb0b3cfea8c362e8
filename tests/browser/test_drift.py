"""Drift and Data quality in a real browser: open, click, no exception, screenshots."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    inline_editor,
    open_and_wait,
    save_inline_warn,
    screenshot,
    scroll_to,
)

pytestmark = pytest.mark.browser


def _param(page, name: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(name, [None])[0]


def test_drift_heatmap_click_opens_that_window(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/drift?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Drift over time", exact=True).wait_for()
    before = (_param(page, "window"), _param(page, "feature"))
    # the heatmap by its widget key: the page's last chart is another one until it arrives
    heatmap = page.locator(".st-key-drift_heatmap .js-plotly-plot")
    heatmap.wait_for(timeout=60_000)
    scroll_to(page, heatmap)
    cells = heatmap.locator(".scatterlayer .trace").first.locator("path.point")
    expect(cells.nth(100)).to_be_attached(timeout=60_000)  # features × windows
    url = page.url
    for attempt in range(3):  # a click that lands while a rerun re-draws the chart is lost
        cells.nth(300).click(force=True)
        try:
            page.wait_for_function(f"() => window.location.href !== {url!r}", timeout=30_000)
            break
        except PlaywrightTimeout:
            page.wait_for_selector(IDLE, timeout=60_000)
            if page.url != url:  # the click was taken, its rerun was just slow
                break
            if attempt == 2:
                raise
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    after = (_param(page, "window"), _param(page, "feature"))
    assert after != before, (before, after)
    assert None not in after
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    screenshot(page, "drift")


def test_evidently_report_renders_in_the_expander(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/drift?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    render = page.get_by_role("button", name="Render Evidently report")
    for attempt in range(3):  # an expander toggled while a rerun re-mounts it stays shut
        page.wait_for_selector(IDLE, timeout=60_000)
        try:
            if not render.is_visible():
                page.get_by_text("Evidently's full report for this selection").click()
            render.wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    render.click()
    frame = page.locator("iframe[srcdoc]")
    frame.wait_for(state="attached", timeout=180_000)  # Evidently is slow on a loaded machine
    page.wait_for_selector(IDLE, timeout=180_000)
    assert_no_exception(page)
    expect(page.get_by_role("button", name="Download HTML")).to_be_visible()
    # The report draws inside its frame: wait for Evidently's own page to have content.
    report = page.frame_locator("iframe[srcdoc]").locator("body")
    expect(report).not_to_be_empty(timeout=60_000)
    scroll_to(page, frame)
    page.wait_for_timeout(2000)  # its plots render after the frame loads
    screenshot(page, "drift_evidently_report")


def test_inline_drift_share_threshold_shows_on_the_thresholds_page(
    own_server: Server, page
) -> None:
    open_and_wait(page, f"{own_server.url}/drift?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Drifted features per window").first.wait_for(timeout=60_000)
    editor = inline_editor(page, "monitor.drift_share")  # the multivariate AUC has one too
    change = save_inline_warn(page, own_server, "0.2", editor=editor)
    assert (change.scope, change.signal, change.new_warn) == (
        "fraud-scoring", "monitor.drift_share", 0.2,
    )  # fmt: skip
    expect(page.get_by_label("Warn (ratio)").nth(editor)).to_have_value("0.2")
    scroll_to(page, page.get_by_text("Drifted features per window").first)
    screenshot(page, "drift_inline_threshold")

    open_and_wait(page, f"{own_server.url}/thresholds?system=fraud-scoring")
    assert_no_exception(page)
    page.get_by_text("fraud-scoring's own bounds").first.wait_for()
    expect(page.get_by_text("monitor.drift_share: warn 0.2").first).to_be_attached()
    screenshot(page, "thresholds_after_drift_edit")


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
        expect(page.get_by_text("No production data yet").first).to_be_attached()
