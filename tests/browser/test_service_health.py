"""Service health and the timeline in a real browser: no exception, clicks open pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (
    IDLE,
    Server,
    assert_no_exception,
    open_and_wait,
    open_tab,
    screenshot,
)

pytestmark = pytest.mark.browser

# Pixel centre of the first marker of the event row ``name`` in the first timeline.
_MARKER = """(name) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
    g => (g.data || []).some(t => t.name === name));
  if (!gd) return null;
  const events = gd.data.filter(t => t.yaxis === 'y' || t.yaxis === undefined);
  const index = events.findIndex(t => t.name === name);
  const layer = gd.querySelector('.subplot.xy .scatterlayer');
  const point = layer.querySelectorAll('.trace')[index].querySelector('path.point');
  point.scrollIntoView({block: 'center'});
  const box = point.getBoundingClientRect();
  return {x: box.x + box.width / 2, y: box.y + box.height / 2};
}"""


_HAS_TRACE = """(name) => [...document.querySelectorAll('.js-plotly-plot')].some(
  g => (g.data || []).some(t => t.name === name))"""


def _click_marker(page, name: str, opens: str) -> None:
    """Click the first ``name`` marker and wait for the URL ``opens`` (a glob).

    The click goes to a point measured just before it: a section that lands in between moves
    the chart and the click misses, so it is measured and made again on an idle page."""
    page.wait_for_selector(".js-plotly-plot .subplot.xy .scatterlayer path.point")
    for attempt in range(3):
        page.wait_for_selector(IDLE, timeout=60_000)
        where = page.evaluate(_MARKER, name)
        assert where is not None, f"no {name} marker"
        page.mouse.move(where["x"], where["y"])
        page.mouse.click(where["x"], where["y"])
        try:
            page.wait_for_url(opens, timeout=30_000)
            return
        except PlaywrightTimeout:
            page.wait_for_selector(IDLE, timeout=60_000)
        try:  # the click was taken and its rerun was only slow
            page.wait_for_url(opens, timeout=1_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


# Streamlit's Plotly theme wraps each title in <b>: compare the text without tags.
_CHART_TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(
  g => (((g.layout || {}).title || {}).text || '').replace(/<[^>]*>/g, ''))"""


def test_service_health_renders_every_section(seeded_server: Server, page) -> None:
    open_and_wait(
        page, f"{seeded_server.url}/service_health?system=checkout-api&range=30d", timeout_ms=90_000
    )
    assert_no_exception(page)
    expect(page.get_by_text("Timeline", exact=True).first).to_be_attached()
    for section in ("SLO and error budget", "Golden signals", "DORA", "CI", "Incidents"):
        expect(page.get_by_role("tab", name=section, exact=True)).to_have_count(1)
    # Charts mount after the script finishes, each in its own time: wait for the burn-down.
    page.wait_for_function(
        f"() => ({_CHART_TITLES})().some(t => t.startsWith('Error budget burn-down'))",
        timeout=60_000,
    )
    screenshot(page, "service_health")


def test_golden_signals_and_slo_editor_appear_when_clicked(seeded_server: Server, page) -> None:
    """The sections below the timeline are sent on demand: nothing before the click."""
    open_and_wait(
        page, f"{seeded_server.url}/service_health?system=checkout-api&range=30d", timeout_ms=90_000
    )
    page.locator(".js-plotly-plot").nth(1).wait_for()
    assert "Request rate" not in page.evaluate(_CHART_TITLES)
    open_tab(page, "Golden signals", page.locator(".js-plotly-plot .gtitle", has_text="Saturation"))
    golden = ["Request rate", "Error rate", "Latency (thresholds on p95)", "Saturation"]
    # the four charts mount one by one: wait for all of them
    page.wait_for_function(
        f"(golden) => golden.every(t => ({_CHART_TITLES})().includes(t))",
        arg=golden,
        timeout=60_000,
    )
    assert_no_exception(page)
    screenshot(page, "service_health_golden_signals")
    editor = page.locator("[data-testid='stExpander']").filter(has_text="Edit SLOs")
    open_tab(page, "SLO and error budget", editor)
    target = page.get_by_label("Target (%)")
    expect(target).to_have_count(0)  # closed: not sent
    for attempt in range(3):  # a toggle that lands while a rerun re-mounts the expander is lost
        try:
            if not target.count():
                editor.locator("summary").click()
            target.wait_for(timeout=40_000)
            break
        except PlaywrightTimeout:
            page.wait_for_selector(IDLE, timeout=60_000)
            if attempt == 2:
                raise
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    expect(target).to_have_value("99.9")


def test_clicking_an_incident_on_the_timeline_opens_its_explanation(
    seeded_server: Server, page
) -> None:
    open_and_wait(
        page, f"{seeded_server.url}/service_health?system=checkout-api&range=90d", timeout_ms=90_000
    )
    _click_marker(page, "Incident", opens="**incident=*")
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    assert "system=checkout-api" in page.url
    expect(page.locator("[data-testid='stAlert']").filter(has_text="Incident")).to_have_count(1)


def test_overview_timeline_links_to_service_health(seeded_server: Server, page) -> None:
    # fraud-scoring has every kind of event: deploys, promotions, drift, retrains.
    open_and_wait(page, f"{seeded_server.url}/?system=fraud-scoring&range=30d", timeout_ms=90_000)
    assert_no_exception(page)
    expect(page.get_by_text("Timeline", exact=True).first).to_be_attached()
    page.wait_for_selector(".js-plotly-plot .subplot.xy .scatterlayer path.point")
    for kind in ("Model promotion", "Drift alert", "Retrain", "Incident"):
        page.wait_for_function(_HAS_TRACE, arg=kind, timeout=60_000)  # once the timeline lands
    screenshot(page, "overview_timeline")
    _click_marker(page, "Service deploy", opens="**/service_health?*deployment=*")
    page.wait_for_selector(IDLE, timeout=60_000)
    assert_no_exception(page)
    expect(page.get_by_text("Golden signals", exact=True)).to_have_count(1)
