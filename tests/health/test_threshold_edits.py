"""Threshold edits: roles, optimistic locking, audit rows, revert and history.

The rules bounds must keep: ``test_threshold_rules.py``; edits racing each other:
``test_threshold_races.py``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from app.health.threshold_edits import (
    ConcurrentEditError,
    ThresholdValidationError,
    all_overrides,
    change_history,
    revert_change,
    save_threshold,
    thresholds_at,
    version_at,
)
from app.health.thresholds import effective_thresholds
from app.store.db import session_scope
from app.store.models import Threshold, ThresholdChange
from tests.health.threshold_support import add_system, count_rows

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
    assert count_rows(engine, Threshold) == 1


def test_system_scope_overrides_global_and_needs_a_known_system(engine: Engine) -> None:
    add_system(engine, "svc")
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
    assert count_rows(engine, Threshold) == 0
    assert count_rows(engine, ThresholdChange) == 0


def test_viewer_write_is_refused_server_side(engine: Engine) -> None:
    for role in ("viewer", "", "admin"):
        with pytest.raises(PermissionError):
            save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "vic", role)
    assert count_rows(engine, ThresholdChange) == 0
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
    assert count_rows(engine, ThresholdChange) == 2


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
    add_system(engine, "svc")
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


def test_revert_of_unknown_change_is_a_lookup_error(engine: Engine) -> None:
    with pytest.raises(LookupError):
        revert_change(engine, 999, "ann", "editor")


def test_history_filters_by_scope_and_signal(engine: Engine) -> None:
    add_system(engine, "svc")
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(engine, "svc", "operate.error_rate", 0.01, 0.03, 0, "ann", "editor")
    assert [c.signal for c in change_history(engine, scope="svc")] == ["operate.error_rate"]
    assert [c.scope for c in change_history(engine, signal="ci.pass_rate")] == [""]
