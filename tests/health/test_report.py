"""The status report: aggregation, the JSON contract, the table, errors, query budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.health import STAGES, StatusReport, build_status, format_table
from app.health.catalog import SIGNALS, signals_for
from app.store.db import session_scope
from app.store.models import HealthSample, System
from tests.health import scenario

SIGNAL_KEYS = {"key", "value", "unit", "status", "warn", "critical", "direction"}


@pytest.fixture
def report(engine: Engine) -> StatusReport:
    scenario.seed(engine)
    return build_status(engine, since=scenario.SINCE, until=scenario.UNTIL)


def test_to_dict_has_exactly_the_designed_shape(report: StatusReport) -> None:
    doc = json.loads(json.dumps(report.to_dict()))
    assert set(doc) == {"window", "systems"}
    assert doc["window"] == {
        "since": "2025-03-01T00:00:00+00:00",
        "until": "2025-03-31T00:00:00+00:00",
    }
    assert [s["system"] for s in doc["systems"]] == ["empty", "shop", "svc"]
    for system in doc["systems"]:
        assert set(system) == {"system", "status", "has_model", "lanes"}
        assert set(system["lanes"]) == {"devops", "mlops", "impact"}
        for lane, body in system["lanes"].items():
            assert set(body) == {"status", "stages"}
            assert list(body["stages"]) == [s for s in STAGES[lane] if signals_for(lane, s)]
            for stage in body["stages"].values():
                assert set(stage) == {"status", "signals"}
                for signal in stage["signals"]:
                    # plus "note" where a value is not what its name says (additive)
                    assert set(signal) - {"note"} == SIGNAL_KEYS
                    assert signal["status"] in {"ok", "warn", "critical", "unknown"}
    shop = doc["systems"][1]
    assert shop["has_model"] is True
    pass_rate = shop["lanes"]["devops"]["stages"]["build_test"]["signals"][0]
    assert pass_rate == {
        "key": "ci.pass_rate",
        "value": pytest.approx(2 / 3),
        "unit": "ratio",
        "status": "critical",
        "warn": 0.9,
        "critical": 0.75,
        "direction": "higher_is_better",
    }


def test_statuses_aggregate_to_the_worst_known(report: StatusReport) -> None:
    shop = report.system("shop")
    devops = shop.lane("devops")
    stages = {k: s.status.value for k, s in devops.stages.items()}
    # pass rate critical; 0.1/day < 0.2 warn; CFR 0.6; all within SLO; 2 open incidents.
    assert stages == {
        "build_test": "critical",
        "release": "warn",
        "change_risk": "critical",
        "operate": "ok",
        "recover": "critical",
    }
    # The median duration equals its warn bound (20 min): not a breach.
    assert shop.signal("ci.duration_p50_min").status == "ok"
    assert devops.status == "critical"
    assert shop.status == "critical"
    assert shop.lane("mlops").stage("data").status == "warn"  # 10 % out of range, 36 h old
    assert devops.stage("build_test").worst_signal.key == "ci.pass_rate"
    assert devops.stage("release").worst_signal.key == "release.deployment_frequency_per_day"


def test_unknown_signals_never_read_as_ok(report: StatusReport) -> None:
    svc = report.system("svc")
    devops = svc.lane("devops")
    assert devops.stage("build_test").status == "unknown"  # no pipelines at all
    assert devops.stage("operate").status == "ok"  # latency unknown, the rest ok
    assert devops.stage("recover").worst_signal.key == "recover.open_incidents"
    assert devops.stage("build_test").worst_signal.key == "ci.pass_rate"
    assert devops.status == "ok"
    mlops = svc.lane("mlops")
    assert not svc.has_model
    assert mlops.status == "unknown"
    assert {s.status.value for s in mlops.stages.values()} == {"unknown"}
    assert svc.status == "ok"
    empty = report.system("empty")
    assert (empty.status.value, empty.lane("devops").status.value) == ("unknown", "unknown")


def test_format_table_lists_every_system_and_signal(report: StatusReport) -> None:
    table = format_table(report)
    lines = table.splitlines()
    assert lines[0].startswith("window: 2025-03-01")
    assert lines[1].split() == ["SYSTEM", "LANE", "STAGE", "SIGNAL", "VALUE", "STATUS"]
    for name in ("shop", "svc", "empty"):
        assert any(line.startswith(name) for line in lines)
    assert "66.7 %" in table
    assert "ci.pass_rate" in table
    # + one note: shop's latency p95 is the mean of interval p95s (no buckets stored)
    assert len(lines) == 2 + 3 * (1 + len(SIGNALS)) + 1
    assert lines[-1].startswith("note: shop operate.latency_p95_ms: approximation")


def test_unknown_system_raises_lookup_error(engine: Engine) -> None:
    scenario.seed(engine)
    with pytest.raises(LookupError, match="no system named 'nope'.*shop"):
        build_status(engine, system="nope")


def test_default_window_is_used_without_since_and_until(engine: Engine) -> None:
    scenario.seed(engine)
    report = build_status(engine, system="svc")  # svc's only sample: Mar 5
    until = scenario.at(3, 5) + timedelta(seconds=1)
    assert (report.window.since, report.window.until) == (until - timedelta(days=30), until)
    assert [s.system for s in report.systems] == ["svc"]
    only_until = build_status(engine, system="svc", until=scenario.at(3, 10))
    assert only_until.window.days == 30
    only_since = build_status(engine, system="svc", since=scenario.at(3, 1))
    assert (only_since.window.since, only_since.window.until) == (scenario.at(3, 1), until)


def test_empty_database_reports_a_window_ending_now(engine: Engine) -> None:
    report = build_status(engine)
    assert report.systems == ()
    assert report.window.days == 30


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_query_count_does_not_grow_with_the_number_of_systems(sqlite_engine: Engine) -> None:
    scenario.seed(sqlite_engine)
    with count_queries(sqlite_engine) as few:
        build_status(sqlite_engine, since=scenario.SINCE, until=scenario.UNTIL)
    with session_scope(sqlite_engine) as s:
        for i in range(20):
            system = System(name=f"extra-{i:02d}")
            s.add(system)
            s.flush()
            sample = HealthSample(system_id=system.id, timestamp=scenario.at(3, 3), requests=10)
            sample.errors = 1
            s.add(sample)
    with count_queries(sqlite_engine) as many:
        build_status(sqlite_engine, since=scenario.SINCE, until=scenario.UNTIL)
    assert len(many) == len(few)
    # one query per signal family, whatever the number of systems (KPIs: 2 periods + newest;
    # cost: versions, runs twice, bills, predictions, budgets; the drift note: each system's
    # latest measured window, its results, their importances)
    assert len(few) <= 44


def test_registry_auc_reads_the_windows_roc_auc() -> None:
    from app.health.champion import Champion

    champion = Champion(1, "m", 3, "run", "auc", 0.9)
    assert champion.live_metric == "roc_auc"
    assert Champion(1, "m", 3, "run", "mae", 20.0).live_metric == "mae"
