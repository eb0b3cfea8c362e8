"""The read model's definitions on a real database (SQLite and PostgreSQL): drift share,
the newest reference, a version's drift share, the champion, the thresholds in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from app.health import performance as performance_views
from app.health.threshold_edits import thresholds_at
from app.health.thresholds import default_thresholds, effective_thresholds_for
from app.lineage.version_diff import version_diff
from app.production import read_drift as drift_views
from app.production.read import drift_share, version_drift_share, window_drift
from app.store.db import session_scope
from app.store.models import DriftResult, ModelVersion, ProductionWindow, System, Threshold
from app.store.queries.models import champion_of
from app.store.queries.thresholds import thresholds_in_force

DAY = datetime(2026, 11, 2, tzinfo=UTC)


def _window(
    system_id: int, version: int, start: datetime, *, reference: bool = False
) -> ProductionWindow:
    return ProductionWindow(
        system_id=system_id, model_version=version, is_reference=reference, window_start=start,
        window_end=start + timedelta(days=1), newest_row_at=start, rows=100, labelled_rows=0,
        path=f"{version}-{start:%Y%m%d}-{reference}.parquet", content_hash="0" * 64,
        feature_columns=["a", "b", "c", "d"], segment_columns=[],
    )  # fmt: skip


def _results(
    window: ProductionWindow, reference: ProductionWindow, drifted: dict[str, bool]
) -> list[DriftResult]:
    return [
        DriftResult(window_id=window.id, reference_window_id=reference.id, column=column,
                    kind="numerical", method="ks", score=0.01 if flag else 0.5, threshold=0.05,
                    drifted=flag)
        for column, flag in drifted.items()
    ]  # fmt: skip


def test_drift_share_is_features_only_against_the_newest_reference(engine: Engine) -> None:
    with session_scope(engine) as session:
        system = System(name="s")
        session.add(system)
        session.flush()
        system_id = system.id
        old_ref = _window(system_id, 1, DAY - timedelta(days=30), reference=True)
        new_ref = _window(system_id, 2, DAY - timedelta(days=20), reference=True)
        current = _window(system_id, 2, DAY)
        session.add_all([old_ref, new_ref, current])
        session.flush()
        session.add_all(_results(current, old_ref, {"a": True, "b": True, "c": True}))
        session.add_all(
            _results(current, new_ref,
                     {"a": True, "b": False, "c": False, "d": False, "prediction": True})
        )  # fmt: skip
        session.add(ModelVersion(system_id=system_id, model_name="m", version=2, registered_at=DAY))
        session.flush()
        (drift,) = window_drift(session, [system_id])[system_id]
        assert (drift.features, drift.drifted_features) == (4, 1)
        assert drift.prediction_drifted is True
        assert drift.share == 0.25
        assert version_drift_share(session, system_id, 2) == 0.25
    # Lineage's version diff reads the same number (it used to count `prediction` and
    # every reference: (3 + 2) / 8 = 0.625).
    diff = version_diff(engine, "s", "m", [2], diff_only=False).set_index("aspect")
    assert diff.loc["production: mean drift share", "v2"] == 0.25


def test_no_feature_results_is_no_share_never_zero() -> None:
    assert drift_share(0, 0) is None
    assert drift_share(0, 3) == 0.0


def test_the_newest_registered_champion_wins_everywhere(engine: Engine) -> None:
    with session_scope(engine) as session:
        system = System(name="s")
        session.add(system)
        session.flush()
        session.add_all([
            ModelVersion(system_id=system.id, model_name="old-model", version=5,
                         alias="champion", registered_at=DAY - timedelta(days=60)),
            ModelVersion(system_id=system.id, model_name="new-model", version=2,
                         alias="champion", registered_at=DAY),
        ])  # fmt: skip
        session.flush()
        champ = champion_of(session, "s")
        assert champ is not None
        assert (champ.model_name, champ.version) == ("new-model", 2)
    assert drift_views.champion_version(engine, "s") == 2  # used to take the highest version
    assert performance_views.load(engine, "s").champion == 2


def test_thresholds_in_force_system_then_global_then_default(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add_all([
            System(name="own"), System(name="other"),
            Threshold(scope="", signal="monitor.drift_share", direction="lower_is_better",
                      warn=0.2, critical=0.4, version=1),
            Threshold(scope="own", signal="monitor.drift_share", direction="lower_is_better",
                      warn=0.1, critical=0.3, version=1),
            Threshold(scope="own", signal="no.such_signal", direction="lower_is_better",
                      warn=1, critical=2, version=1),
        ])  # fmt: skip
        session.flush()
        defaults = default_thresholds()
        found = thresholds_in_force(session, ["own", "other", ""], defaults)
        assert set(found["own"]) == set(defaults)  # an unknown stored signal is ignored
        own, other, whole = (found[s]["monitor.drift_share"] for s in ("own", "other", ""))
        assert (own.warn, own.critical, own.scope) == (0.1, 0.3, "own")
        assert (other.warn, other.critical, other.scope) == (0.2, 0.4, "")
        assert own.version >= 1  # the row's version, to save against
        assert (whole.warn, whole.scope) == (0.2, "")
        assert found["own"]["operate.error_rate"] == defaults["operate.error_rate"]
        assert found["own"]["operate.error_rate"].scope is None  # the default: no row to lock
        in_force = effective_thresholds_for(session, ["own", "other"])
    # The pages, `tandem thresholds` and the audit read the same bounds.
    for scope in ("own", "other", ""):
        assert thresholds_at(engine, scope) == list(found[scope].values())
    assert in_force["own"] == found["own"]
    assert in_force["other"] == found["other"]
