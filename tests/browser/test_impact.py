"""The Impact section and the KPI beside the model in a real browser, with screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Server,
    assert_no_exception,
    chart_value,
    open_and_wait,
    open_tab,
    screenshot,
)

pytestmark = pytest.mark.browser

KPI_CHART = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".find(p => (p.data || []).some(t => (t.name || '').startsWith('fraud_losses')))"
)


def test_overview_draws_the_impact_section_of_every_system(seeded_server: Server, page) -> None:
    open_and_wait(page, seeded_server.url)
    assert_no_exception(page)
    tiles = page.locator(".tandem-tile .stage", has_text="Business impact")
    # The lanes stream in one after another; the page can look idle before the last one lands.
    expect(tiles).to_have_count(3, timeout=60_000)  # one Impact lane per system
    for kpi in ("conversion_rate", "fraud_losses", "stockouts"):
        expect(page.get_by_text(kpi, exact=True)).to_have_count(1)
    sparklines = page.locator("img[src^='data:image/svg+xml']")
    # One per KPI and spend card, kept by st.html's sanitiser.
    expect(sparklines).to_have_count(6, timeout=60_000)
    # decoded (a data URL is decoded after the element lands), then drawn at a size
    assert sparklines.first.evaluate("i => i.decode().then(() => i.naturalWidth > 0, () => false)")
    screenshot(page, "overview_impact")


def test_model_performance_draws_the_kpi_with_the_timeline(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=30d")
    assert_no_exception(page)
    # drawn when opened
    open_tab(page, "KPI and business value", page.get_by_text("Business KPI beside the model"))
    names = chart_value(page, KPI_CHART, "p.data.map(t => t.name)")
    assert {"Model promotion", "Rollback", "Drift alert"} <= set(names), names
    lines = chart_value(page, KPI_CHART, "p.layout.shapes.length")
    assert lines >= 3
    assert_no_exception(page)
    screenshot(page, "model_performance_kpi")
