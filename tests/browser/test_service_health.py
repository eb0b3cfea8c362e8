"""Service health and the timeline in a real browser: no exception, clicks open pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server, assert_no_exception, open_and_wait, screenshot

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


def _click_marker(page, name: str) -> None:
    page.wait_for_selector(".js-plotly-plot .subplot.xy .scatterlayer path.point")
    where = page.evaluate(_MARKER, name)
    assert where is not None, f"no {name} marker"
    page.mouse.move(where["x"], where["y"])
    page.mouse.click(where["x"], where["y"])


def test_service_health_renders_every_section(seeded_server: Server, page) -> None:
    open_and_wait(
        page, f"{seeded_server.url}/service_health?system=checkout-api&range=30d", timeout_ms=90_000
    )
    assert_no_exception(page)
    for heading in ("Golden signals", "SLO and error budget", "Incidents", "Timeline"):
        assert page.get_by_text(heading, exact=True).count() >= 1, heading
    # Charts mount after the script finishes: wait for the sixth, don't race it.
    page.locator(".js-plotly-plot").nth(5).wait_for()
    screenshot(page, "service_health")


def test_clicking_an_incident_on_the_timeline_opens_its_explanation(
    seeded_server: Server, page
) -> None:
    open_and_wait(
        page, f"{seeded_server.url}/service_health?system=checkout-api&range=90d", timeout_ms=90_000
    )
    _click_marker(page, "Incident")
    page.wait_for_url("**incident=*", timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert_no_exception(page)
    assert "system=checkout-api" in page.url
    assert page.locator("[data-testid='stAlert']").filter(has_text="Incident").count() == 1


def test_overview_timeline_links_to_service_health(seeded_server: Server, page) -> None:
    # fraud-scoring has every kind of event: deploys, promotions, drift, retrains.
    open_and_wait(page, f"{seeded_server.url}/?system=fraud-scoring&range=30d", timeout_ms=90_000)
    assert_no_exception(page)
    assert page.get_by_text("Timeline", exact=True).count() >= 1
    page.wait_for_selector(".js-plotly-plot .subplot.xy .scatterlayer path.point")
    for kind in ("Model promotion", "Drift alert", "Retrain", "Incident"):
        assert page.evaluate(_HAS_TRACE, kind), kind
    screenshot(page, "overview_timeline")
    _click_marker(page, "Service deploy")
    page.wait_for_url("**/service_health?*deployment=*", timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert_no_exception(page)
    assert page.get_by_text("Golden signals", exact=True).count() == 1
