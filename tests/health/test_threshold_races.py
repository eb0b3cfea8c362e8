"""Threshold edits racing each other: stale pages, writes forced between a read and its
write, two threads at once. Nothing lost, nothing forged: the audit trail replays to the
stored row."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import Engine

from app.health.catalog import SIGNALS_BY_KEY
from app.health.threshold_edits import (
    ChangeRecord,
    ConcurrentEditError,
    change_history,
    revert_change,
    save_threshold,
    thresholds_at,
    version_at,
)
from app.store.models import ThresholdChange
from tests.health.threshold_support import before_first_write, count_rows, stored


def test_a_page_that_saw_a_row_deleted_and_created_again_is_refused(engine: Engine) -> None:
    """The ABA case: A sees the row; B reverts its creation, C creates it again; A saves.

    With a version counted from 1 for every new row, A's version would match C's row
    and A would overwrite bounds it never saw.
    """
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    seen = version_at({s.signal: s for s in thresholds_at(engine, "")}["ci.pass_rate"], "")
    revert_change(engine, change_history(engine)[0].id, "bob", "editor")  # B: row deleted
    save_threshold(engine, "", "ci.pass_rate", 0.99, 0.8, 0, "carl", "editor")  # C
    audit_rows = count_rows(engine, ThresholdChange)
    with pytest.raises(ConcurrentEditError) as raised:
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, seen, "ann", "editor")  # A
    assert (raised.value.current.warn, raised.value.current.critical) == (0.99, 0.8)
    assert count_rows(engine, ThresholdChange) == audit_rows
    assert stored(engine, "", "ci.pass_rate")[:2] == (0.99, 0.8)  # type: ignore[index]


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
    version = stored(engine, "", "ci.pass_rate")[2]  # type: ignore[index]

    def delete_and_create() -> None:
        revert_change(engine, created.id, "bob", "editor")
        save_threshold(engine, "", "ci.pass_rate", 0.99, 0.8, 0, "carl", "editor")

    with (
        before_first_write(engine, delete_and_create) as armed,
        pytest.raises(ConcurrentEditError) as raised,
    ):
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, version, "ann", "editor")
    assert not armed[0]  # the race did happen
    assert (raised.value.current.warn, raised.value.current.critical) == (0.99, 0.8)
    changes = list(reversed(change_history(engine)))
    assert [c.changed_by for c in changes] == ["setup", "bob", "carl"]
    assert _replay(changes) == (0.99, 0.8) == stored(engine, "", "ci.pass_rate")[:2]  # type: ignore[index]


# --- reverts racing other edits ------------------------------------------------------
#
# A revert is refused with the current value exactly as a stale save is, and a refused
# revert writes nothing: no threshold row, no audit row.


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
    audit_rows = count_rows(engine, ThresholdChange)
    with pytest.raises(ConcurrentEditError) as raised:
        revert_change(engine, target.id, "ann", "editor", expected_version=seen)  # A
    assert (raised.value.current.warn, raised.value.current.critical) == (0.6, 0.5)
    assert "Nothing was saved" in str(raised.value)
    assert count_rows(engine, ThresholdChange) == audit_rows
    assert stored(engine, "", "ci.pass_rate") == (0.6, 0.5, seen + 1)
    # from the current version, the same revert goes through
    restored = revert_change(engine, target.id, "ann", "editor", expected_version=seen + 1)
    if reverted == "creation":
        assert (restored.scope, stored(engine, "", "ci.pass_rate")) == (None, None)
    else:
        assert (restored.warn, restored.critical) == (0.95, 0.8)


@pytest.mark.parametrize("reverted", ["creation", "update"])
def test_revert_racing_a_save_between_its_read_and_its_write_is_refused(
    engine: Engine, reverted: str
) -> None:
    """B's save lands after the revert read the row and before it writes (forced, not hoped).

    The save runs on another pooled connection (``before_first_write``).
    """
    first = save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "setup", "editor")
    if reverted == "update":
        save_threshold(engine, "", "ci.pass_rate", 0.9, 0.7, first.version, "setup", "editor")
    target = change_history(engine)[0]
    version = stored(engine, "", "ci.pass_rate")[2]  # type: ignore[index]
    audit_rows = count_rows(engine, ThresholdChange)
    with (
        before_first_write(
            engine,
            lambda: save_threshold(engine, "", "ci.pass_rate", 0.6, 0.5, version, "bob", "editor"),
        ) as armed,
        pytest.raises(ConcurrentEditError) as raised,
    ):
        revert_change(engine, target.id, "ann", "editor")
    assert not armed[0]  # the race did happen
    assert (raised.value.current.warn, raised.value.current.critical) == (0.6, 0.5)
    assert count_rows(engine, ThresholdChange) == audit_rows + 1  # B's row only
    assert change_history(engine)[0].changed_by == "bob"
    assert stored(engine, "", "ci.pass_rate") == (0.6, 0.5, version + 1)


def test_reverting_a_creation_when_the_scope_inherits_already_writes_nothing(
    engine: Engine,
) -> None:
    save_threshold(engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    created = change_history(engine)[0]
    revert_change(engine, created.id, "ann", "editor")
    assert count_rows(engine, ThresholdChange) == 2
    inherited = revert_change(engine, created.id, "bob", "editor")  # nothing left to delete
    assert (inherited.scope, inherited.warn) == (None, SIGNALS_BY_KEY["ci.pass_rate"].warn)
    assert count_rows(engine, ThresholdChange) == 2


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


def test_concurrent_saves_and_reverts_audit_trail_replays_to_the_finalstored(
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
    row = stored(engine, "", "ci.pass_rate")
    assert _replay(changes) == (None if row is None else row[:2])
