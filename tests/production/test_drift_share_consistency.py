"""One drift share: the Drift page, the Overview, the version diff, the timeline and the
what-if replay report the same number for the same window (seeded database)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from app.drift import apply_family_thresholds
from app.health.report import build_status
from app.health.status import evaluate
from app.health.thresholds import effective_thresholds
from app.health.what_if import signal_series
from app.health.window import Window
from app.lineage.version_diff import version_diff
from app.production import read_drift as views
from app.production.read import WindowDrift, window_drift
from app.production.stored import drift_matrix
from app.store.db import session_scope
from app.store.models import ModelVersion, System
from app.timeline import timeline

SYSTEM = "fraud-scoring"
EVIDENTLY_DEFAULTS = {"p_value": 0.05, "distance": 0.1}  # the Drift page's sliders at rest


def _drifting_window(engine: Engine) -> tuple[int, int, WindowDrift]:
    """(system id, windows, drift of the window): the largest share on a day of one window."""
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == SYSTEM))
        assert system_id is not None
        windows = window_drift(session, [system_id])[system_id]
    starts = pd.Series([w.window_start for w in windows]).value_counts()
    alone = [w for w in windows if starts[w.window_start] == 1 and w.share is not None]
    return system_id, len(windows), max(alone, key=lambda w: (w.share, w.window_start))


def test_every_view_reports_the_same_drift_share(seeded_engine: Engine) -> None:
    _, n_windows, drift = _drifting_window(seeded_engine)
    assert n_windows > 10
    assert drift.share > 0
    assert drift.prediction_drifted is not None
    since = drift.window_start - timedelta(days=29)
    range_ = Window(since, drift.window_start + timedelta(seconds=1))  # the window is the latest

    # The Drift page: the headline against the window's training data, and the chart.
    frame = views.windows(seeded_engine, SYSTEM)
    reference_id = views.reference_choices(frame, drift.model_version, drift.window_id)[0][0]
    rows = frame.set_index("id", drop=False)
    pair = views.pair_drift(
        seeded_engine, SYSTEM, drift.window_id, rows.loc[reference_id], rows.loc[drift.window_id]
    )
    assert pair.stored
    columns = apply_family_thresholds(pair.columns, EVIDENTLY_DEFAULTS)
    _, page_share, n_drifted, n_features = views.verdict(columns)
    chart = views.drift_share_by_window(drift_matrix(seeded_engine, SYSTEM)).set_index("window_id")
    assert (n_drifted, n_features) == (drift.drifted_features, drift.features)
    assert page_share == pytest.approx(drift.share)
    assert chart.loc[drift.window_id, "share"] == pytest.approx(drift.share)

    # The Overview's Monitor tile (tandem status): the latest window in range.
    signal = build_status(seeded_engine, SYSTEM, range_.since, range_.until).system(SYSTEM)
    tile = signal.signal("monitor.drift_share")
    assert tile.value == pytest.approx(drift.share)
    with session_scope(seeded_engine) as session:
        spec = effective_thresholds(session, SYSTEM)["monitor.drift_share"]
    assert tile.status == evaluate(page_share, spec)

    # The what-if replay: one bucket per window.
    replay = signal_series(seeded_engine, SYSTEM, "monitor.drift_share", range_)
    assert replay is not None
    assert replay.frame["value"].iloc[-1] == pytest.approx(drift.share)

    # The timeline's drift alert names the same counts (the window passes the warn bound).
    assert drift.share >= spec.warn
    alerts = [e for e in timeline(seeded_engine, SYSTEM, range_).events if e.kind == "drift_alert"]
    day = drift.window_start.date().isoformat()
    mine = [e for e in alerts if e.params["window"] == day]
    assert [e.title.split(" features")[0] for e in mine] == [
        f"{drift.drifted_features} of {drift.features}"
    ]


def test_version_diff_drift_share_is_the_mean_window_share(seeded_engine: Engine) -> None:
    """Lineage's "mean drift share" averages the same per-window shares: features only."""
    chart = views.drift_share_by_window(drift_matrix(seeded_engine, SYSTEM))
    with session_scope(seeded_engine) as session:
        names = dict(
            session.execute(
                select(ModelVersion.version, ModelVersion.model_name)
                .join(System, System.id == ModelVersion.system_id)
                .where(System.name == SYSTEM)
            ).all()
        )
    checked = 0
    for version, shares in chart.groupby("model_version")["share"]:
        diff = version_diff(seeded_engine, SYSTEM, names[int(version)], [int(version)],
                            diff_only=False).set_index("aspect")  # fmt: skip
        shown = diff.loc["production: mean drift share", f"v{version}"]
        assert shown == pytest.approx(round(float(shares.mean()), 4), abs=1e-4)
        checked += 1
    assert checked >= 2
