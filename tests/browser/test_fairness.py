"""Model performance's fairness section in a real browser: the gap chart, the note, the tables."""

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

GAP_CHART = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".find(p => ((p.layout.title || {}).text || '').replace(/<[^>]+>/g, '')"
    " === 'Fairness gap per window')"
)


def test_the_reopened_gap_is_drawn_and_said(seeded_server: Server, page) -> None:
    open_and_wait(page, f"{seeded_server.url}/model_performance?system=fraud-scoring&range=90d")
    assert_no_exception(page)
    open_tab(page, "Fairness", page.get_by_text("Fairness across groups"))  # One window is first
    names = chart_value(page, GAP_CHART, "p.data.map(t => t.name)")
    assert {"v1", "v2", "v3"} <= set(names)
    marks = chart_value(page, GAP_CHART, "p.layout.annotations.map(a => a.text)")
    assert {"warn", "critical", "v2", "v3"} <= set(marks)  # bounds and version changes
    expect(page.get_by_text("reopened the fairness gap v2 had closed").first).to_be_attached()
    # the chosen window's groups and its attribute figures (a grid, not text)
    expect(page.locator("[data-testid='stDataFrame']").nth(1)).to_be_attached()
    assert_no_exception(page)
    screenshot(page, "model_performance_fairness")
