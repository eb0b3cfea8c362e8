"""The shared timeline's events and series, on the hand-made health scenario."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from app.health.window import Window
from app.service_health import ci_report, delivery_report, service_health
from app.store.db import session_scope
from app.store.models import DriftResult, ProductionWindow, System, TrainingRun
from app.timeline import timeline
from tests.health import scenario


def test_timeline_lines_up_every_kind_of_event(engine: Engine) -> None:
    scenario.seed(engine)
    with session_scope(engine) as s:
        shop = s.query(System).filter_by(name="shop").one()
        s.add(TrainingRun(system_id=shop.id, run_id="retrain-1", experiment="churn",
                          started_at=scenario.at(3, 12), finished_at=scenario.at(3, 12, 2),
                          status="FINISHED", trigger="drift"))  # fmt: skip
    window = Window(scenario.SINCE, scenario.UNTIL)
    result = timeline(engine, "shop", window)
    kinds = [e.kind for e in result.events]
    by_title = {e.title: e for e in result.events}
    # d1, d2, d5 deployed; d3 failed and d4 rolled back; staging d6 and February d7 left out.
    assert kinds.count("service_deploy") == 3
    assert kinds.count("rollback") == 3  # d3, d4 and the failed model release m2
    assert kinds.count("model_promotion") == 2  # m1, m3
    assert kinds.count("incident") == 5  # i1, i2, i3, i4, i6 opened in March
    assert kinds.count("retrain") == 1
    # w1 drifted 2 of 4 features (>= the 30 % warn bound); w2 only 1 of 4.
    drift = [e for e in result.events if e.kind == "drift_alert"]
    assert [e.at for e in drift] == [scenario.at(3, 11)]
    assert drift[0].params == {"system": "shop", "window": "2025-03-10"}
    assert [e.at for e in result.events] == sorted(e.at for e in result.events)
    incident = next(e for e in result.events if e.params.get("incident") == "i1")
    assert incident.page == "service_health"
    assert "restored in 2.0 h" in incident.detail
    assert any("model v2" in title for title in by_title)
    # Series: error rate from the health samples, live roc_auc per labelled window.
    assert result.error_rate["error_rate"].notna().sum() == 2
    assert result.performance_metric == "roc_auc"
    assert list(result.performance["value"]) == [0.76, 0.72]
    assert len(result.events_frame()) == len(result.events)


def test_only_judged_windows_raise_a_drift_alert(engine: Engine) -> None:
    """As retrain.retrain_lag_d: a window far smaller than the median (a partial day) whose
    features all drifted raises no alert on the timeline either."""
    scenario.seed(engine)
    with session_scope(engine) as s:
        shop = s.query(System).filter_by(name="shop").one()
        ref = s.query(ProductionWindow).filter_by(system_id=shop.id, is_reference=True).one()
        partial = ProductionWindow(
            system_id=shop.id, model_version=2, is_reference=False, window_start=scenario.at(3, 15),
            window_end=scenario.at(3, 16), newest_row_at=scenario.at(3, 15, 3), rows=5,
            labelled_rows=0, path="p.parquet", content_hash="p", feature_columns=["a", "b"],
            segment_columns=[],
        )  # fmt: skip
        s.add(partial)
        s.flush()
        s.add_all(
            DriftResult(window_id=partial.id, reference_window_id=ref.id, column=c,
                        kind="numerical", method="ks", score=0.001, threshold=0.05, drifted=True)
            for c in "abcd"
        )  # fmt: skip
    result = timeline(engine, "shop", Window(scenario.SINCE, scenario.UNTIL))
    alerts = [e.params["window"] for e in result.events if e.kind == "drift_alert"]
    assert alerts == ["2025-03-10"]  # w1 only; the 5-row window of 03-15 is not judged


def test_service_health_bundles_the_page(engine: Engine) -> None:
    scenario.seed(engine)
    health = service_health(engine, "shop", Window(scenario.SINCE, scenario.UNTIL))
    assert health.has_samples
    assert health.primary.slo.target == 0.999
    incidents = health.incidents.set_index("incident")
    # i1, i2, i3 (open), i4 (resolved after the window), i6; i5 was over in February.
    assert sorted(incidents.index) == ["i1", "i2", "i3", "i4", "i6"]
    assert incidents.loc["i1", "time_to_restore_h"] == 2.0
    assert incidents["time_to_restore_h"].isna().sum() == 1
    window = Window(scenario.SINCE, scenario.UNTIL)
    ci = ci_report(engine, "shop", window)  # the CI and DORA tabs read their own parts
    assert list(ci.daily["pipelines"]) == [1, 1, 1]
    assert list(ci.failing["pipeline"]) == ["p3"]
    dora = delivery_report(engine, "shop", window)
    assert dora.service.change_lead_time_h == 24.0
    assert dora.model is not None


def test_error_budget_reads_the_slo_not_the_availability_threshold_on_page_and_status(
    engine: Engine,
) -> None:
    from app.health import build_status
    from app.health.slo_edits import save_slo
    from app.health.slo_store import DEFAULT_SLO
    from app.store.models import Threshold

    scenario.seed(engine)
    with session_scope(engine) as s:
        s.add(Threshold(scope="shop", signal="operate.availability", direction="higher_is_better",
                        warn=0.95, critical=0.9, version=1))  # fmt: skip
    save_slo(engine, replace(DEFAULT_SLO, system="shop", target=0.99), 0, "t", "editor")
    window = Window(scenario.SINCE, scenario.UNTIL)
    health = service_health(engine, "shop", window)
    status = build_status(engine, system="shop", since=window.since, until=window.until)
    assert health.primary.slo.target == 0.99  # the SLO's, not the 0.95 warn bound
    # 28-day budget (from Mar 3): 3,000 requests, 2 errors; 1 % of 3,000 = 30 allowed.
    assert health.budget.remaining == pytest.approx(1 - 2 / 30)
    assert status.system("shop").signal("operate.error_budget_remaining").value == (
        health.budget.remaining
    )
