"""Threshold precedence and the default window, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from app.health import build_status, default_window, effective_thresholds
from app.health.window import Window
from app.store.db import session_scope
from app.store.models import HealthSample, ProductionWindow, System, Threshold
from tests.health import scenario


def _threshold(scope: str, signal: str, warn: float, critical: float) -> Threshold:
    return Threshold(
        scope=scope,
        signal=signal,
        direction="higher_is_better",
        warn=warn,
        critical=critical,
        version=1,  # a row written with no audit row (the app sets its change's id)
    )


def test_system_row_beats_global_row_beats_default(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add_all([System(name="shop"), System(name="other")])
        s.add_all(
            [
                _threshold("", "ci.pass_rate", 0.95, 0.8),
                _threshold("shop", "ci.pass_rate", 0.5, 0.4),
                _threshold("other-system", "operate.availability", 0.5, 0.4),
            ]
        )
    with session_scope(engine) as s:
        shop = effective_thresholds(s, "shop")
        other = effective_thresholds(s, "other")
    assert (shop["ci.pass_rate"].warn, shop["ci.pass_rate"].critical) == (0.5, 0.4)
    assert shop["ci.pass_rate"].scope == "shop"
    assert shop["ci.pass_rate"].version == 1
    assert (other["ci.pass_rate"].warn, other["ci.pass_rate"].scope) == (0.95, "")
    default = other["operate.availability"]
    assert (default.warn, default.critical) == (0.999, 0.995)
    assert (default.scope, default.version) == (None, 0)
    assert default.unit == "ratio"
    assert default.direction == "higher_is_better"


def test_build_status_evaluates_against_the_effective_thresholds(engine: Engine) -> None:
    scenario.seed(engine)
    window = {"since": scenario.SINCE, "until": scenario.UNTIL}
    before = build_status(engine, system="shop", **window).system("shop")
    assert before.signal("ci.pass_rate").status == "critical"  # 2/3 < 0.75
    with session_scope(engine) as s:
        s.add(_threshold("shop", "ci.pass_rate", 0.6, 0.5))
    after = build_status(engine, system="shop", **window).system("shop")
    pass_rate = after.signal("ci.pass_rate")
    assert (pass_rate.status, pass_rate.warn, pass_rate.critical) == ("ok", 0.6, 0.5)


def test_default_window_ends_just_after_the_newest_data_point(engine: Engine) -> None:
    with session_scope(engine) as s:
        a, b = System(name="a"), System(name="b")
        s.add_all([a, b])
        s.flush()
        s.add_all(
            [
                HealthSample(system_id=a.id, timestamp=scenario.at(3, 1), requests=1, errors=0),
                HealthSample(system_id=a.id, timestamp=scenario.at(3, 2), requests=1, errors=0),
                HealthSample(system_id=b.id, timestamp=scenario.at(3, 5), requests=1, errors=0),
                # A reference window's rows are training data, not news.
                ProductionWindow(
                    system_id=a.id, model_version=1, is_reference=True,
                    window_start=scenario.at(1, 1), window_end=scenario.at(4, 1),
                    newest_row_at=scenario.at(4, 1), rows=1, labelled_rows=1, path="r",
                    content_hash="h", feature_columns=[], segment_columns=[],
                ),
            ]
        )  # fmt: skip
    with session_scope(engine) as s:
        everything = default_window(s)
        only_a = default_window(s, ["a"])
        nothing = default_window(s, ["nobody"])
    until = scenario.at(3, 5) + timedelta(seconds=1)
    assert everything == Window(until - timedelta(days=30), until)
    assert only_a is not None
    assert only_a.until == scenario.at(3, 2) + timedelta(seconds=1)
    assert only_a.days == 30
    assert nothing is None


def test_default_window_considers_every_kind_of_event(engine: Engine) -> None:
    scenario.seed(engine)  # newest: incident i4 resolved Apr 2
    with session_scope(engine) as s:
        window = default_window(s, ["shop"])
    assert window is not None
    assert window.until == scenario.at(4, 2) + timedelta(seconds=1)


def test_empty_database_has_no_default_window(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert default_window(s) is None
