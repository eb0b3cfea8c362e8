"""Model performance's fairness section in a real browser: the gap chart, the note, the tables."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server, assert_no_exception, open_and_wait, screenshot

pytestmark = pytest.mark.browser

GAP_CHART = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".find(p => ((p.layout.title || {}).text || '').replace(/<[^>]+>/g, '')"
    " === 'Fairness gap per window')"
)


def test_the_reopened_gap_is_drawn_and_said(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    page.get_by_text("Fairness across groups").wait_for()
    page.wait_for_function(f"() => Boolean(({GAP_CHART})())", timeout=60_000)
    names = page.evaluate(f"() => ({GAP_CHART})().data.map(t => t.name)")
    assert {"v1", "v2", "v3"} <= set(names)
    marks = page.evaluate(f"() => ({GAP_CHART})().layout.annotations.map(a => a.text)")
    assert {"warn", "critical", "v2", "v3"} <= set(marks)  # bounds and version changes
    assert page.get_by_text("reopened the fairness gap v2 had closed").count() >= 1
    # segment table, the chosen window's groups and its attribute figures (a grid, not text)
    assert page.locator("[data-testid='stDataFrame']").count() >= 3
    assert_no_exception(page)
    screenshot(page, "model_performance_fairness")
