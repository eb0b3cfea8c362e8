"""Threshold edits: validation, roles, optimistic locking, audit rows and revert."""

from __future__ import annotations

import math
import random
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, select

from app.health.catalog import SIGNALS, SIGNALS_BY_KEY
from app.health.threshold_edits import (
    ChangeRecord,
    ConcurrentEditError,
    ThresholdValidationError,
    all_overrides,
    change_history,
    domain,
    revert_change,
    save_threshold,
    thresholds_at,
    validation_problems,
    version_at,
)
from app.health.thresholds import effective_thresholds
from app.store.db import session_scope
from app.store.models import System, Threshold, ThresholdChange


def _add_system(engine: Engine, name: str = "svc") -> None:
    with session_scope(engine) as session:
        session.add(System(name=name))


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- validation (pure) ----------------------------------------------------------


def test_catalogue_defaults_are_valid() -> None:
    for s in SIGNALS:
        assert validation_problems(s.key, s.warn, s.critical) == [], s.key


def test_warn_must_be_on_the_safe_side_of_critical() -> None:
    # higher is better: warn below critical is refused
    assert validation_problems("ci.pass_rate", 0.7, 0.8)
    assert validation_problems("ci.pass_rate", 0.8, 0.8) == []  # no warn band: allowed
    # lower is better: warn above critical is refused
    problems = validation_problems("operate.latency_p95_ms", 900, 800)
    assert any("≤ critical" in p for p in problems)


@pytest.mark.parametrize(
    ("signal", "warn", "critical"),
    [
        ("data.missing_share", 0.5, 1.5),  # a share above 1
        ("ci.pass_rate", 1.2, 0.9),
        ("recover.open_incidents", -1, 1),  # a negative count
        ("operate.latency_p95_ms", -5, 10),
        ("operate.error_budget_remaining", 0.2, -3),  # below the sensible -1
        ("ci.pass_rate", math.nan, 0.5),
        ("ci.pass_rate", 0.9, math.inf),
    ],
)
def test_values_outside_the_domain_are_refused(signal: str, warn: float, critical: float) -> None:
    assert validation_problems(signal, warn, critical)


def test_error_budget_may_be_negative() -> None:
    assert validation_problems("operate.error_budget_remaining", 0.0, -0.5) == []


def test_unknown_signal_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        validation_problems("nope.signal", 1, 2)


@given(
    key=st.sampled_from([s.key for s in SIGNALS]),
    a=st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=2000),
    b=st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=2000),
)
def test_valid_means_in_domain_and_ordered(key: str, a: float, b: float) -> None:
    low, high = domain(key)
    ok = not validation_problems(key, a, b)
    higher = SIGNALS_BY_KEY[key].direction == "higher_is_better"
    ordered = a >= b if higher else a <= b
    assert ok == (low <= a <= high and low <= b <= high and ordered)


# --- saving -------------------------------------------------------------------------


def test_save_writes_row_and_one_audit_row(engine: Engine) -> None:
    saved = save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor", "tighter")
    assert (saved.warn, saved.critical, saved.version, saved.scope) == (0.95, 0.8, 1, "")
    again = save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, 1, "bob", "editor")
    assert again.version == 2
    history = change_history(engine)
    assert [(c.changed_by, c.old_warn, c.new_warn) for c in history] == [
        ("bob", 0.95, 0.9),
        ("ann", None, 0.95),
    ]
    assert history[1].reason == "tighter"
    assert _count(engine, Threshold) == 1


def test_system_scope_overrides_global_and_needs_a_known_system(engine: Engine) -> None:
    _add_system(engine, "svc")
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(engine, "svc", "ci.pass_rate", 0.5, 0.4, 0, "ann", "editor")
    with session_scope(engine) as session:
        spec = effective_thresholds(session, "svc")["ci.pass_rate"]
    assert (spec.warn, spec.critical, spec.scope) == (0.5, 0.4, "svc")
    at_svc = {s.signal: s for s in thresholds_at(engine, "svc")}
    assert at_svc["ci.pass_rate"].scope == "svc"
    assert at_svc["ci.duration_p50_min"].scope is None
    assert version_at(at_svc["ci.duration_p50_min"], "svc") == 0
    assert [(s.scope, s.signal) for s in all_overrides(engine)] == [
        ("", "ci.pass_rate"),
        ("svc", "ci.pass_rate"),
    ]
    with pytest.raises(LookupError):
        save_threshold(engine, "ghost", "ci.pass_rate", 0.5, 0.4, 0, "ann", "editor")


def test_invalid_save_writes_nothing(engine: Engine) -> None:
    with pytest.raises(ThresholdValidationError) as raised:
        save_threshold(engine, "", "data.missing_share", 0.3, 0.2, 0, "ann", "editor")
    assert "≤ critical" in str(raised.value)
    assert _count(engine, Threshold) == 0
    assert _count(engine, ThresholdChange) == 0


def test_viewer_write_is_refused_server_side(engine: Engine) -> None:
    for role in ("viewer", "", "admin"):
        with pytest.raises(PermissionError):
            save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "vic", role)
    assert _count(engine, ThresholdChange) == 0
    change = save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    assert change.version == 1
    with pytest.raises(PermissionError):
        revert_change(engine, change_history(engine)[0].id, "vic", "viewer")


def test_concurrent_save_second_is_refused_first_persists(engine: Engine) -> None:
    first = save_threshold(engine, "", "ci.pass_rate", 0.9, 0.75, 0, "setup", "editor")
    loaded = first.version  # both sessions load the page at this version
    save_threshold(engine, "", "ci.pass_rate", 0.97, 0.8, loaded, "ann", "editor")
    with pytest.raises(ConcurrentEditError) as raised:
        save_threshold(engine, "", "ci.pass_rate", 0.5, 0.4, loaded, "bob", "editor")
    assert (raised.value.current.warn, raised.value.current.critical) == (0.97, 0.8)
    assert "0.97" in str(raised.value)
    with session_scope(engine) as session:
        row = session.scalar(select(Threshold))
        assert (row.warn, row.critical, row.updated_by) == (0.97, 0.8, "ann")
    assert _count(engine, ThresholdChange) == 2


def test_two_first_saves_of_a_default_second_is_refused(engine: Engine) -> None:
    save_threshold(engine, "", "ci.pass_rate", 0.97, 0.8, 0, "ann", "editor")
    with pytest.raises(ConcurrentEditError) as raised:
        save_threshold(engine, "", "ci.pass_rate", 0.5, 0.4, 0, "bob", "editor")
    assert raised.value.current.version == 1


# --- revert and history --------------------------------------------------------------


def test_revert_restores_previous_bounds_as_a_new_change(engine: Engine) -> None:
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(engine, "", "ci.pass_rate", 0.6, 0.5, 1, "bob", "editor")
    latest = change_history(engine)[0]
    restored = revert_change(engine, latest.id, "ann", "editor")
    assert (restored.warn, restored.critical, restored.version) == (0.95, 0.8, 3)
    history = change_history(engine)
    assert len(history) == 3
    assert history[0].reason == f"revert of change #{latest.id}"
    assert (history[0].old_warn, history[0].new_warn) == (0.6, 0.95)


def test_reverting_the_first_change_inherits_again(engine: Engine) -> None:
    _add_system(engine, "svc")
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(engine, "svc", "ci.pass_rate", 0.5, 0.4, 0, "ann", "editor")
    created = change_history(engine, scope="svc")[0]
    inherited = revert_change(engine, created.id, "ann", "editor")
    assert (inherited.scope, inherited.warn) == ("", 0.95)
    assert [s.scope for s in all_overrides(engine)] == [""]
    newest = change_history(engine, scope="svc")[0]
    assert (newest.old_warn, newest.new_warn, newest.new_critical) == (0.5, 0.95, 0.8)
    # a save against the now-inherited value starts from version 0 again; the new row's
    # version is its change's id, never the deleted row's
    recreated = save_threshold(engine, "svc", "ci.pass_rate", 0.6, 0.4, 0, "ann", "editor")
    assert recreated.version == change_history(engine)[0].id > created.id


def test_a_page_that_saw_a_row_deleted_and_created_again_is_refused(engine: Engine) -> None:
    """The ABA case: A sees the row; B reverts its creation, C creates it again; A saves.

    With a version counted from 1 for every new row, A's version would match C's row
    and A would overwrite bounds it never saw.
    """
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    seen = version_at({s.signal: s for s in thresholds_at(engine, "")}["ci.pass_rate"], "")
    revert_change(engine, change_history(engine)[0].id, "bob", "editor")  # B: row deleted
    save_threshold(engine, "", "ci.pass_rate", 0.99, 0.8, 0, "carl", "editor")  # C
    audit_rows = _count(engine, ThresholdChange)
    with pytest.raises(ConcurrentEditError) as raised:
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, seen, "ann", "editor")  # A
    assert (raised.value.current.warn, raised.value.current.critical) == (0.99, 0.8)
    assert _count(engine, ThresholdChange) == audit_rows
    assert _state(engine, "", "ci.pass_rate")[:2] == (0.99, 0.8)  # type: ignore[index]


def test_a_save_whose_row_is_deleted_and_created_again_before_its_write_is_refused(
    engine: Engine,
) -> None:
    """A save read the row; before its UPDATE, B deletes it and C creates it again.

    On SQLite the new row may get the deleted row's id back, so only a version never
    handed out twice keeps A's guarded UPDATE from matching C's row and writing an
    audit row whose old bounds (A's stale read) were never in force: the trail would
    no longer replay to the stored row.
    """
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    created = change_history(engine)[0]
    version = _state(engine, "", "ci.pass_rate")[2]  # type: ignore[index]
    armed = [True]

    def delete_and_create(_conn, _cursor, statement: str, *_args: object) -> None:
        if armed[0] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            armed[0] = False
            revert_change(engine, created.id, "bob", "editor")
            save_threshold(engine, "", "ci.pass_rate", 0.99, 0.8, 0, "carl", "editor")

    event.listen(engine, "before_cursor_execute", delete_and_create)
    try:
        with pytest.raises(ConcurrentEditError) as raised:
            save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, version, "ann", "editor")
    finally:
        event.remove(engine, "before_cursor_execute", delete_and_create)
    assert not armed[0]  # the race did happen
    assert (raised.value.current.warn, raised.value.current.critical) == (0.99, 0.8)
    changes = list(reversed(change_history(engine)))
    assert [c.changed_by for c in changes] == ["setup", "bob", "carl"]
    assert _replay(changes) == (0.99, 0.8) == _state(engine, "", "ci.pass_rate")[:2]  # type: ignore[index]


def test_revert_of_unknown_change_is_a_lookup_error(engine: Engine) -> None:
    with pytest.raises(LookupError):
        revert_change(engine, 999, "ann", "editor")


def test_history_filters_by_scope_and_signal(engine: Engine) -> None:
    _add_system(engine, "svc")
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(engine, "svc", "operate.error_rate", 0.01, 0.03, 0, "ann", "editor")
    assert [c.signal for c in change_history(engine, scope="svc")] == ["operate.error_rate"]
    assert [c.scope for c in change_history(engine, signal="ci.pass_rate")] == [""]


# --- reverts racing other edits ------------------------------------------------------
#
# A revert is refused with the current value exactly as a stale save is, and a refused
# revert writes nothing: no threshold row, no audit row.


def _state(engine: Engine, scope: str, signal: str) -> tuple[float, float, int] | None:
    with session_scope(engine) as session:
        row = session.scalar(
            select(Threshold).where(Threshold.scope == scope, Threshold.signal == signal)
        )
        return None if row is None else (row.warn, row.critical, row.version)


@pytest.mark.parametrize("reverted", ["creation", "update"])
def test_revert_from_a_stale_page_is_refused_with_the_current_value(
    engine: Engine, reverted: str
) -> None:
    """A loads the page, B saves, A reverts: refused, no audit row, the value is B's."""
    first = save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    if reverted == "update":
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, first.version, "setup", "editor")
    target = change_history(engine)[0]
    seen = version_at({s.signal: s for s in thresholds_at(engine, "")}["ci.pass_rate"], "")
    save_threshold(engine, "", "ci.pass_rate", 0.6, 0.5, seen, "bob", "editor")  # B
    audit_rows = _count(engine, ThresholdChange)
    with pytest.raises(ConcurrentEditError) as raised:
        revert_change(engine, target.id, "ann", "editor", expected_version=seen)  # A
    assert (raised.value.current.warn, raised.value.current.critical) == (0.6, 0.5)
    assert "Nothing was saved" in str(raised.value)
    assert _count(engine, ThresholdChange) == audit_rows
    assert _state(engine, "", "ci.pass_rate") == (0.6, 0.5, seen + 1)
    # from the current version, the same revert goes through
    restored = revert_change(engine, target.id, "ann", "editor", expected_version=seen + 1)
    if reverted == "creation":
        assert (restored.scope, _state(engine, "", "ci.pass_rate")) == (None, None)
    else:
        assert (restored.warn, restored.critical) == (0.95, 0.8)


@pytest.mark.parametrize("reverted", ["creation", "update"])
def test_revert_racing_a_save_between_its_read_and_its_write_is_refused(
    engine: Engine, reverted: str
) -> None:
    """B's save lands after the revert read the row and before it writes (forced, not hoped).

    The save runs on another pooled connection from a hook on the revert's first write
    statement; on SQLite the revert holds no lock until then, on PostgreSQL it has only read.
    """
    first = save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    if reverted == "update":
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, first.version, "setup", "editor")
    target = change_history(engine)[0]
    version = _state(engine, "", "ci.pass_rate")[2]  # type: ignore[index]
    armed = [True]

    def save_first(_conn, _cursor, statement: str, *_args: object) -> None:
        if armed[0] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            armed[0] = False
            save_threshold(engine, "", "ci.pass_rate", 0.6, 0.5, version, "bob", "editor")

    audit_rows = _count(engine, ThresholdChange)
    event.listen(engine, "before_cursor_execute", save_first)
    try:
        with pytest.raises(ConcurrentEditError) as raised:
            revert_change(engine, target.id, "ann", "editor")
    finally:
        event.remove(engine, "before_cursor_execute", save_first)
    assert not armed[0]  # the race did happen
    assert (raised.value.current.warn, raised.value.current.critical) == (0.6, 0.5)
    assert _count(engine, ThresholdChange) == audit_rows + 1  # B's row only
    assert change_history(engine)[0].changed_by == "bob"
    assert _state(engine, "", "ci.pass_rate") == (0.6, 0.5, version + 1)


def test_reverting_a_creation_when_the_scope_inherits_already_writes_nothing(
    engine: Engine,
) -> None:
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    created = change_history(engine)[0]
    revert_change(engine, created.id, "ann", "editor")
    assert _count(engine, ThresholdChange) == 2
    inherited = revert_change(engine, created.id, "bob", "editor")  # nothing left to delete
    assert (inherited.scope, inherited.warn) == (None, SIGNALS_BY_KEY["ci.pass_rate"].warn)
    assert _count(engine, ThresholdChange) == 2


def _replay(changes: list[ChangeRecord]) -> tuple[float, float] | None:
    """The global row the audit trail says exists after ``changes`` (oldest first).

    Every change must start from what the one before left: ``old`` is the row's bounds,
    or ``None`` when there was no row. A revert of a change that created the row
    deleted it.
    """
    by_id = {c.id: c for c in changes}
    state: tuple[float, float] | None = None
    for change in changes:
        old = None if change.old_warn is None else (change.old_warn, change.old_critical)
        assert old == state, f"change #{change.id} starts from {old}, the trail says {state}"
        reverted = change.reason.removeprefix("revert of change #")
        deletes = reverted != change.reason and by_id[int(reverted)].old_warn is None
        state = None if deletes else (change.new_warn, change.new_critical)
    return state


def test_concurrent_saves_and_reverts_audit_trail_replays_to_the_final_state(
    engine: Engine,
) -> None:
    """Two threads save and revert one threshold many times: nothing lost, nothing forged.

    Every save or revert that returned has exactly one audit row (a revert of a creation
    when the row is gone already has none), every refused one has none, and replaying the
    trail gives the stored row.
    """
    outcomes: dict[str, str] = {}  # user (one per call) -> "saved" | "reverted" | "refused"

    def work(name: str, seed: int) -> None:
        rng = random.Random(seed)
        for i in range(60):
            user = f"{name}-{i}"
            spec = {s.signal: s for s in thresholds_at(engine, "")}["ci.pass_rate"]
            try:
                if rng.random() < 0.5:
                    warn = rng.choice([0.99, 0.95, 0.9, 0.85])
                    save_threshold(
                        engine, "", "ci.pass_rate", warn, 0.8, version_at(spec, ""), user, "editor"
                    )
                    outcomes[user] = "saved"
                else:
                    recent = change_history(engine, limit=4)
                    if not recent:
                        continue
                    revert_change(engine, rng.choice(recent).id, user, "editor")
                    outcomes[user] = "reverted"
            except ConcurrentEditError:
                outcomes[user] = "refused"

    threads = [threading.Thread(target=work, args=(n, s)) for n, s in (("a", 1), ("b", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    changes = list(reversed(change_history(engine, limit=10_000)))
    by_user: dict[str, int] = {}
    for change in changes:
        by_user[change.changed_by] = by_user.get(change.changed_by, 0) + 1
    for user, outcome in outcomes.items():
        expected = {"saved": {1}, "reverted": {0, 1}, "refused": {0}}[outcome]
        assert by_user.get(user, 0) in expected, (user, outcome, by_user.get(user, 0))
    assert set(by_user) <= set(outcomes)
    assert "saved" in outcomes.values()
    assert "reverted" in outcomes.values()
    row = _state(engine, "", "ci.pass_rate")
    assert _replay(changes) == (None if row is None else row[:2])
