"""The Drift page's multivariate charts in a real browser: both drawn, one point per window."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
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
    page.get_by_role("tab", name="Multivariate drift").click()  # drawn when opened
    page.get_by_text("Multivariate drift over time").wait_for()
    for title in ("PCA reconstruction error", "Domain classifier ROC AUC"):
        plot = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text=title))
        scroll_to(page, plot)
        plot.locator(".scatterlayer path.point").first.wait_for(timeout=60_000)
        points = plot.locator(".scatterlayer .trace").nth(2 if title.startswith("PCA") else 0)
        assert points.locator("path.point").count() > 80  # a point per daily window
    band = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="PCA"))
    assert band.locator(".scatterlayer path.js-fill").count() >= 1  # the reference band
    screenshot(page, "drift_multivariate")
