"""Model performance's business value section in a real browser: the value chart and table."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    Server,
    assert_no_exception,
    chart_value,
    open_and_wait,
    open_tab,
    screenshot,
)

pytestmark = pytest.mark.browser

VALUE_CHART = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".find(p => ((p.layout.title || {}).text || '').replace(/<[^>]+>/g, '')"
    " === 'Business value per window')"
)


def test_realised_and_estimated_value_are_drawn(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    # drawn when opened
    open_tab(page, "KPI and business value", page.get_by_text("Business value", exact=True))
    names = chart_value(page, VALUE_CHART, "p.data.map(t => t.name)")
    assert {"v3 realised", "v3 estimated", "v3 reference", "v4 realised"} <= set(names)
    # the estimate's band: two unnamed traces, the second filled to the first
    fills = chart_value(page, VALUE_CHART, "p.data.map(t => t.fill || '')")
    assert "tonexty" in fills
    # every drawn point is a number (no window lost its value on the way)
    points = chart_value(
        page, VALUE_CHART, "p.data.filter(t => t.name === 'v3 realised')[0].y.length"
    )
    assert points >= 20
    assert_no_exception(page)
    screenshot(page, "model_performance_business_value")
