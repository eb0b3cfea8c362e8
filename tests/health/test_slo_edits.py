"""Saving SLOs: roles, validation, optimistic locking, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, select

from app.health.slo_edits import (
    SloConflictError,
    SloValidationError,
    save_slo,
    slo_history,
    slo_problems,
)
from app.health.slo_store import DEFAULT_SLO, SloSpec, slos_for
from app.store.db import session_scope
from app.store.models import Slo, SloChange, System


@pytest.fixture
def shop(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        s.add(System(name="shop"))
    return engine


LATENCY = SloSpec(system="shop", name="checkout latency", sli="latency", target=0.99,
                  period_days=7, min_events=500, latency_bound_ms=250.0)  # fmt: skip


def test_a_save_writes_the_slo_and_one_audit_row(shop: Engine) -> None:
    saved = save_slo(shop, LATENCY, 0, "alice", "editor", "new checkout SLO")
    assert saved.version == 1
    assert slos_for(shop, "shop") == [saved]  # a stored SLO replaces the built-in default
    again = save_slo(shop, replace(LATENCY, target=0.995), 1, "bob", "editor", "tighter")
    assert again.version == 2
    history = slo_history(shop, "shop")
    assert [(h.changed_by, h.reason) for h in history] == [
        ("bob", "tighter"),
        ("alice", "new checkout SLO"),
    ]
    assert history[1].old == ""
    assert history[1].new == "99 % of requests within 250 ms over 7 days, gate 500 events"
    assert history[0].old == history[1].new
    assert history[0].new == "99.5 % of requests within 250 ms over 7 days, gate 500 events"


def test_saving_the_default_stores_it_and_keeps_it_primary(shop: Engine) -> None:
    save_slo(shop, replace(LATENCY, name="b"), 0, "a", "editor")
    save_slo(shop, replace(DEFAULT_SLO, system="shop", target=0.995), 0, "a", "editor")
    names = [s.name for s in slos_for(shop, "shop")]
    assert names == ["b", "availability"]


def test_a_viewer_is_refused_and_nothing_is_written(shop: Engine) -> None:
    with pytest.raises(PermissionError):
        save_slo(shop, LATENCY, 0, "eve", "viewer")
    with session_scope(shop) as s:
        assert s.scalar(select(func.count()).select_from(Slo)) == 0
        assert s.scalar(select(func.count()).select_from(SloChange)) == 0


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"name": " "}, "the name must be 1 to 100 characters"),
        ({"name": "x" * 101}, "the name must be 1 to 100 characters"),
        ({"sli": "throughput"}, "the SLI must be one of availability, latency"),
        ({"target": 1.0}, "strictly between 0 and 1"),
        ({"target": 0.0}, "strictly between 0 and 1"),
        ({"target": float("nan")}, "strictly between 0 and 1"),
        ({"period_days": 14}, "the period must be 7, 28, 30 days"),
        ({"min_events": -1}, "the low-traffic gate must be 0 to"),
        ({"latency_bound_ms": None}, "a latency SLO needs a bound"),
        ({"latency_bound_ms": 0.0}, "a latency SLO needs a bound"),
        ({"sli": "availability"}, "only a latency SLO has a latency bound"),
    ],
)
def test_validation_names_each_broken_rule(changes: dict, problem: str) -> None:
    slo = replace(LATENCY, **changes)
    problems = slo_problems(slo.name, slo.sli, slo.target, slo.period_days, slo.min_events,
                            slo.latency_bound_ms)  # fmt: skip
    assert any(problem in p for p in problems), problems


def test_an_invalid_slo_is_refused_and_nothing_is_written(shop: Engine) -> None:
    with pytest.raises(SloValidationError, match="period must be 7, 28, 30"):
        save_slo(shop, replace(LATENCY, period_days=90), 0, "a", "editor")
    with pytest.raises(LookupError, match="no system named 'nope'"):
        save_slo(shop, replace(LATENCY, system="nope"), 0, "a", "editor")
    assert slo_history(shop) == []


def test_the_loser_of_two_edits_is_told_the_winners_slo(shop: Engine) -> None:
    save_slo(shop, LATENCY, 0, "alice", "editor")
    save_slo(shop, replace(LATENCY, target=0.95), 1, "alice", "editor")  # version 2
    with pytest.raises(SloConflictError) as caught:
        save_slo(shop, replace(LATENCY, target=0.999), 1, "bob", "editor")  # saw version 1
    assert caught.value.current is not None
    assert caught.value.current.target == 0.95
    assert "it is now 95 % of requests within 250 ms over 7 days" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
    assert len(slo_history(shop)) == 2


def test_two_first_saves_racing_leave_one_slo_and_one_conflict(shop: Engine) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def save(target: float) -> None:
        barrier.wait()
        try:
            outcomes.append(save_slo(shop, replace(LATENCY, target=target), 0, "x", "editor"))
        except SloConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=save, args=(t,)) for t in (0.9, 0.95)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if isinstance(o, SloSpec)]
    lost = [o for o in outcomes if isinstance(o, SloConflictError)]
    assert (len(saved), len(lost)) == (1, 1)
    assert lost[0].current == saved[0]
    assert slos_for(shop, "shop") == saved
    assert len(slo_history(shop)) == 1
