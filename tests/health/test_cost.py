"""The Cost stage: values computed by hand from a small world, on SQLite and PostgreSQL.

System ``lab`` trains ``m`` in experiment ``e``: v1 and v3 reach production, v2
is a candidate that never did. Window: [2025-03-01, 2025-03-31).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from app.health.budgets import BudgetSpec, save_budget
from app.health.cost import BUDGET, SERVING, TRAINING, cost_signals, retrain_costs
from app.health.report import build_status
from app.health.status import Status
from app.health.thresholds import ThresholdSpec
from app.health.what_if import replay, signal_series
from app.health.window import Window
from app.store.db import session_scope
from app.store.models import (
    CostEntry,
    Deployment,
    ModelVersion,
    ProductionWindow,
    System,
    TrainingRun,
)
from app.store.queries.costs import daily_spend

WINDOW = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC))


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def _run(sid: int, run_id: str, started: datetime, status: str, cost: float | None,
         currency: str | None = "EUR", experiment: str = "e") -> TrainingRun:  # fmt: skip
    return TrainingRun(system_id=sid, run_id=run_id, experiment=experiment, started_at=started,
                       finished_at=started + timedelta(hours=1), status=status, cost=cost,
                       currency=currency if cost is not None else None,
                       compute_hours=2.0 if cost is not None else None)  # fmt: skip


def _version(sid: int, version: int, run_id: str, registered: datetime) -> ModelVersion:
    return ModelVersion(system_id=sid, model_name="m", version=version, run_id=run_id,
                        registered_at=registered)  # fmt: skip


def _deploy(sid: int, version: int, deployed: datetime, status: str = "success") -> Deployment:
    return Deployment(system_id=sid, deployment_id=f"d{version}{status}", kind="model",
                      deployed_at=deployed, environment="production", status=status,
                      model_version=version)  # fmt: skip


def _window(sid: int, day: int, rows: int) -> ProductionWindow:
    start = at(3, day)
    return ProductionWindow(system_id=sid, model_version=3, window_start=start,
                            window_end=start + timedelta(days=1), newest_row_at=start,
                            rows=rows, labelled_rows=0, path="x", content_hash="h",
                            feature_columns=[], segment_columns=[])  # fmt: skip


@pytest.fixture
def lab(engine: Engine) -> int:
    with session_scope(engine) as s:
        system = System(name="lab")
        s.add(system)
        s.flush()
        sid = system.id
        s.add_all([
            _run(sid, "r0", at(1, 10), "FINISHED", 10.0),  # led to v1
            _run(sid, "r1", at(2, 1), "FAILED", 5.0),  # v1 .. v2: counts for v3
            _run(sid, "r2", at(2, 2), "FINISHED", 7.0),  # v2, the candidate
            _run(sid, "r3", at(3, 2), "KILLED", 3.0),
            _run(sid, "r4", at(3, 3), "FINISHED", 20.0),  # v3
            _run(sid, "r5", at(3, 3, 5), "FINISHED", None),  # no cost logged
            _run(sid, "x1", at(3, 2), "FINISHED", 100.0, experiment="other"),  # not m's
            _run(sid, "r6", at(3, 20), "FINISHED", 50.0),  # after v3: the next one's
            _version(sid, 1, "r0", at(1, 10, 5)),
            _version(sid, 2, "r2", at(2, 2, 5)),
            _version(sid, 3, "r4", at(3, 3, 6)),
            _deploy(sid, 1, at(1, 11)),
            _deploy(sid, 2, at(2, 3), status="rolled_back"),
            _deploy(sid, 3, at(3, 4)),
            _window(sid, 5, 40_000),
            _window(sid, 6, 60_000),
            CostEntry(system_id=sid, day=at(3, 5), category="serving", amount=30.0,
                      currency="EUR"),
            CostEntry(system_id=sid, day=at(3, 6), category="serving", amount=20.0,
                      currency="EUR"),
            CostEntry(system_id=sid, day=at(2, 20), category="serving", amount=999.0,
                      currency="EUR"),  # before the window, before the trailing month
            CostEntry(system_id=sid, day=at(3, 7), category="storage", amount=4.0,
                      currency="EUR"),
        ])  # fmt: skip
    return sid


def values(engine: Engine, sid: int) -> tuple[dict[str, float | None], dict[str, str]]:
    notes: dict[int, dict[str, str]] = {}
    with session_scope(engine) as s:
        found = cost_signals(s, [sid], WINDOW, notes=notes)
    return found[sid], notes.get(sid, {})


def test_training_cost_per_retrain_counts_the_runs_since_the_last_production_version(
    engine: Engine, lab: int
) -> None:
    found, notes = values(engine, lab)
    assert found[TRAINING] == 5.0 + 7.0 + 3.0 + 20.0 + 0  # r1, r2, r3, r4; r5 has none
    assert notes[TRAINING] == "v3: 5 runs (2 failed or killed), EUR"
    with session_scope(engine) as s:
        every = {c.version: c for c in retrain_costs(s, [lab], production_only=False)}
    assert {v: dict(c.cost) for v, c in every.items()} == {
        1: {"EUR": 10.0},
        2: {"EUR": 12.0},  # r1 and r2
        3: {"EUR": 23.0},  # r3, r4 (and r5, without cost)
    }
    assert (every[3].runs, every[3].failed_runs, every[3].runs_without_cost) == (3, 1, 1)


def test_serving_cost_per_thousand_predictions(engine: Engine, lab: int) -> None:
    found, notes = values(engine, lab)
    assert found[SERVING] == pytest.approx((30.0 + 20.0) / 100_000 * 1000)
    assert notes[SERVING] == "EUR: 50.00 over 100,000 predictions"


def test_spend_against_the_monthly_budget(engine: Engine, lab: int) -> None:
    assert values(engine, lab)[0][BUDGET] is None  # no budget: unknown, never ok
    save_budget(engine, BudgetSpec("lab", 80.0, "EUR"), 0, "alice", "editor")
    # the 30 days before Mar 31: bills 30 + 20 + 4; runs (no training bills) 3 + 20 + 100 + 50
    assert values(engine, lab)[0][BUDGET] == pytest.approx((54.0 + 173.0) / 80.0)
    with session_scope(engine) as s:
        s.add(CostEntry(system_id=lab, day=at(3, 3), category="training", amount=60.0,
                        currency="EUR"))  # fmt: skip
    # a training bill replaces the runs' costs: they would be counted twice
    assert values(engine, lab)[0][BUDGET] == pytest.approx((54.0 + 60.0) / 80.0)


def test_currencies_are_never_added(engine: Engine, lab: int) -> None:
    save_budget(engine, BudgetSpec("lab", 80.0, "EUR"), 0, "alice", "editor")
    with session_scope(engine) as s:
        s.add(CostEntry(system_id=lab, day=at(3, 8), category="serving", amount=5.0,
                        currency="USD"))  # fmt: skip
    found, notes = values(engine, lab)
    assert found[SERVING] is None
    assert notes[SERVING] == "amounts in EUR, USD: not added together"
    assert found[BUDGET] is None
    assert notes[BUDGET] == "spend in USD, budget in EUR: not converted"
    status = build_status(engine, system="lab", since=WINDOW.since, until=WINDOW.until)
    signal = status.system("lab").signal(SERVING)
    assert (signal.status, signal.note) == (Status.UNKNOWN, notes[SERVING])


def test_status_evaluates_the_cost_stage(engine: Engine, lab: int) -> None:
    save_budget(engine, BudgetSpec("lab", 150.0, "EUR"), 0, "alice", "editor")
    report = build_status(engine, system="lab", since=WINDOW.since, until=WINDOW.until)
    stage = report.system("lab").lane("impact").stage("cost")
    by_key = {s.key: s for s in stage.signals}
    assert by_key[BUDGET].value == pytest.approx(227.0 / 150.0)
    assert by_key[BUDGET].status is Status.CRITICAL
    assert by_key[TRAINING].status is Status.OK
    assert by_key[TRAINING].display == "35.00"
    assert stage.status is Status.CRITICAL
    assert report.system("lab").status is Status.CRITICAL


def test_what_if_replays_the_cost_signals(engine: Engine, lab: int) -> None:
    save_budget(engine, BudgetSpec("lab", 80.0, "EUR"), 0, "alice", "editor")
    days = Window(at(3, 4), at(3, 8))
    served = signal_series(engine, "lab", SERVING, days)
    assert served is not None
    assert served.bucket == "day"
    assert served.frame["value"].tolist() == pytest.approx([30.0 / 40, 20.0 / 60])  # Mar 5, 6
    spent = signal_series(engine, "lab", BUDGET, days)
    assert spent is not None
    # the 30 days up to each day's end: Feb 20's bill, runs r3, x1, r4, then March's bills
    assert spent.frame["value"].tolist() == pytest.approx(
        [1122.0 / 80, 1152.0 / 80, 1172.0 / 80, 1176.0 / 80]
    )
    retrains = signal_series(engine, "lab", TRAINING, WINDOW)
    assert retrains is not None
    assert (retrains.bucket, retrains.frame["value"].tolist()) == ("version", [35.0])
    result = replay(retrains, ThresholdSpec("x", "lower_is_better", 1000, 5000, "amount", None, 0),
                    ThresholdSpec("x", "lower_is_better", 30, 50, "amount", None, 0))  # fmt: skip
    assert (result.old_warn, result.new_warn) == (0, 1)


def test_daily_spend_sums_runs_per_day_and_skips_costs_it_cannot_add(
    engine: Engine, lab: int
) -> None:
    """Spend by (system, day, category, currency), sorted; what it does with odd run costs."""
    with session_scope(engine) as s:
        s.add_all([
            _run(lab, "n1", at(3, 5, 9), "FINISHED", 1.5),  # same UTC day as bills
            _run(lab, "n2", at(3, 5, 23), "FINISHED", 2.5),
            _run(lab, "n3", at(3, 5, 10), "FINISHED", 4.0, currency="USD"),
            _run(lab, "n4", at(3, 5, 11), "FINISHED", 8.0, currency=None),  # no currency
        ])  # fmt: skip
        s.add(_run(lab, "n5", at(3, 5, 12), "FINISHED", float("nan")))  # NaN: no amount
        spend = daily_spend(s, [lab], at(3, 5), at(3, 7))
    rows = [(r.day.day, r.category, r.currency, r.amount) for r in spend.itertuples()]
    assert rows == [
        (5, "serving", "EUR", 30.0),
        (5, "training", "EUR", 4.0),  # n1 + n2, one day's runs summed
        (5, "training", "USD", 4.0),  # another currency: its own row, never added
        (6, "serving", "EUR", 20.0),
    ]
    assert list(spend["system_id"]) == [lab] * 4
    assert str(spend["day"].dtype) == "datetime64[ns, UTC]"


def test_the_newest_production_versions_cost_is_the_one_of_the_full_list(
    engine: Engine, lab: int
) -> None:
    with session_scope(engine) as s:
        every = retrain_costs(s, [lab], production_only=True)
        for until in (at(1, 10, 5), at(1, 10, 6), at(3, 3, 6), at(3, 31)):
            newest = retrain_costs(s, [lab], production_only=True, newest_before=until)
            before = [c for c in every if c.registered_at < until]
            assert newest == ([max(before, key=lambda c: c.registered_at)] if before else [])
