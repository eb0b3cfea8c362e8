"""Service health says when the latency p95 of the range is an approximation (issue 15, item 6)."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.test_service_health import open_page


def test_sample_data_latency_is_said_to_be_an_approximation(seeded_engine: Engine) -> None:
    # The sample health files carry interval percentiles only, no le_ buckets.
    app: AppTest = open_page({"system": "checkout-api"}, tab="Golden signals")
    assert not app.exception
    captions = [c.value for c in app.caption]
    notes = [c for c in captions if c.startswith("Latency p95 over the range")]
    assert len(notes) == 1, captions
    assert "request-weighted mean of the intervals' p95s" in notes[0]
