"""The Drift page's multivariate charts in a real browser: both drawn, one point per window."""

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


def test_multivariate_charts_are_drawn(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/drift?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    # drawn when its expander is opened
    summary = page.locator("[data-testid='stExpander'] summary").filter(
        has_text="Multivariate drift over time"
    )
    pca = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="PCA"))
    for attempt in range(3):  # an expander toggled while a rerun re-mounts it stays shut
        page.wait_for_selector(IDLE, timeout=60_000)
        try:
            if not pca.count():
                summary.click()
            pca.wait_for(timeout=40_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.wait_for_selector(IDLE, timeout=60_000)
    for title in ("PCA reconstruction error", "Domain classifier ROC AUC"):
        plot = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text=title))
        scroll_to(page, plot)
        plot.locator(".scatterlayer path.point").first.wait_for(timeout=60_000)
        points = plot.locator(".scatterlayer .trace").nth(2 if title.startswith("PCA") else 0)
        expect(points.locator("path.point").nth(80)).to_be_attached()  # one per daily window
    band = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="PCA"))
    expect(band.locator(".scatterlayer path.js-fill").first).to_be_attached()  # reference band
    screenshot(page, "drift_multivariate")
