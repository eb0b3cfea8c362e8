"""What-if replay of monitor.fairness_gap: one bucket per labelled champion window with a gap."""

from __future__ import annotations

from sqlalchemy import Engine

from app.health.thresholds import ThresholdSpec
from app.health.what_if import replay, signal_series
from app.health.window import Window
from tests.health import scenario


def test_fairness_gap_replays_the_stored_window_gaps(engine: Engine) -> None:
    scenario.seed(engine)
    window = Window(scenario.SINCE, scenario.UNTIL)
    series = signal_series(engine, "shop", "monitor.fairness_gap", window)
    assert series is not None
    assert series.bucket == "window"
    # w1: age 0.30; w2: the larger of age 0.12 and sex 0.20; w3 has no labels.
    assert list(series.frame["value"]) == [0.30, 0.20]
    old = ThresholdSpec("monitor.fairness_gap", "lower_is_better", 0.15, 0.25, "", "", 1)
    new = ThresholdSpec("monitor.fairness_gap", "lower_is_better", 0.1, 0.15, "", "", 1)
    result = replay(series, old, new)
    assert (result.old_warn, result.old_critical) == (1, 1)
    assert (result.new_warn, result.new_critical) == (0, 2)
