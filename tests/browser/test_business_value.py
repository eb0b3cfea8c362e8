"""Model performance's business value section in a real browser: the value chart and table."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server, assert_no_exception, open_and_wait, screenshot

pytestmark = pytest.mark.browser

VALUE_CHART = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".find(p => ((p.layout.title || {}).text || '').replace(/<[^>]+>/g, '')"
    " === 'Business value per window')"
)


def test_realised_and_estimated_value_are_drawn(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_role("tab", name="KPI and business value").click()  # drawn when opened
    page.get_by_text("Business value", exact=True).wait_for(timeout=60_000)
    page.wait_for_function(f"() => Boolean(({VALUE_CHART})())", timeout=60_000)
    names = page.evaluate(f"() => ({VALUE_CHART})().data.map(t => t.name)")
    assert {"v3 realised", "v3 estimated", "v3 reference", "v4 realised"} <= set(names)
    # the estimate's band: two unnamed traces, the second filled to the first
    fills = page.evaluate(f"() => ({VALUE_CHART})().data.map(t => t.fill || '')")
    assert "tonexty" in fills
    # every drawn point is a number (no window lost its value on the way)
    points = page.evaluate(
        f"() => ({VALUE_CHART})().data.filter(t => t.name === 'v3 realised')[0].y.length"
    )
    assert points >= 20
    assert_no_exception(page)
    screenshot(page, "model_performance_business_value")
