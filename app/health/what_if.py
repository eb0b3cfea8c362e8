"""What-if replay: how often would a signal have been warn/critical under other bounds?

Replay reads stored values only (health samples, quality, drift and
performance results); nothing is recomputed from raw production rows. Each
replayable signal is turned into a series of *buckets* over the range, and
every bucket is evaluated with ``status.evaluate`` (the same rule as the live
status) under the old and the new bounds:

* ``operate.*`` — hourly buckets of health samples (``golden.golden_signals``):
  error rate Σerrors/Σrequests, availability 1 − error rate, latency p95 the
  request-weighted mean, and error budget remaining *per hour*:
  1 − errors / ((1 − SLO) × requests) of that hour's traffic.
* ``data.*`` — one bucket per production window: its whole-window ('' column)
  quality result.
* ``monitor.drift_share``/``monitor.prediction_drift`` — one bucket per window
  with drift results against its newest reference (as ``monitoring``).
* ``monitor.multivariate_drift`` — one bucket per window with a domain
  classifier AUC.
* ``monitor.performance_ratio``, ``validate.champion_vs_baseline`` (both per
  window: live / validation metric of the champion) and
  ``monitor.segment_gap`` — one bucket per labelled window of the champion.
* ``monitor.fairness_gap`` — one bucket per labelled window of the champion
  with a fairness gap (:mod:`app.health.fairness`).
* ``cost.month_to_date_vs_budget`` and ``cost.serving_per_1k_predictions`` —
  one bucket per UTC day; ``cost.training_per_retrain`` — one bucket per
  production version registered in the range (:func:`app.health.cost.cost_series`).
* ``impact.kpi_change`` — one bucket per UTC day: the signal as ``tandem
  status`` would have read it that day over its default 30 days
  (:func:`app.health.impact.kpi_change_series`).
* ``impact.value_ratio`` — one bucket per valued window (any version): its
  value per prediction over its version's reference's (:mod:`app.health.value`).

Other signals are one number over the whole range (a median, a rate, an age),
so there is nothing to replay: ``signal_series`` returns ``None`` for them.
Windows belong to the range when they *start* in it, as everywhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.champion import champions, relative_to_baseline
from app.health.cost import BUDGET, SERVING, TRAINING, cost_series
from app.health.golden import golden_signals
from app.health.impact import SIGNAL as KPI_CHANGE
from app.health.impact import kpi_change_series
from app.health.mlops import QUALITY_CHECKS
from app.health.monitoring import segment_gap, window_drifts
from app.health.slo_store import primary_slos
from app.health.status import Bounds, Status, evaluate
from app.health.value import window_ratios
from app.health.window import Window
from app.production.read import measured_performance, window_quality
from app.production.read_fairness import fairness_gaps
from app.production.read_multivariate import domain_auc_series
from app.store.db import session_scope
from app.store.models import System

HOUR: Final = 3600
HOURLY: Final = ("operate.availability", "operate.error_rate", "operate.latency_p95_ms",
                 "operate.error_budget_remaining")  # fmt: skip
PER_WINDOW: Final = (
    *(f"data.{c}" for c in QUALITY_CHECKS),
    "monitor.drift_share",
    "monitor.prediction_drift",
    "monitor.multivariate_drift",
    "monitor.performance_ratio",
    "validate.champion_vs_baseline",
    "monitor.segment_gap",
    "monitor.fairness_gap",
    "impact.value_ratio",
)
COSTS: Final = (TRAINING, SERVING, BUDGET)
REPLAYABLE: Final = (*HOURLY, *PER_WINDOW, *COSTS, KPI_CHANGE)


@dataclass(frozen=True)
class SignalSeries:
    """A signal's value per bucket: ``frame`` has columns ``at`` (UTC) and ``value``."""

    signal: str
    system: str
    bucket: str  # "hour" | "window"
    frame: pd.DataFrame


@dataclass(frozen=True)
class Replay:
    """Bucket counts under the old and the new bounds (buckets with a value only)."""

    series: SignalSeries
    buckets: int
    old_warn: int
    old_critical: int
    new_warn: int
    new_critical: int


def count_statuses(values: pd.Series, bounds: Bounds) -> Counter[Status]:
    """How many values evaluate to each status under ``bounds`` (NaN: unknown)."""
    return Counter(evaluate(float(v), bounds) for v in values)


def replay(series: SignalSeries, old: Bounds, new: Bounds) -> Replay:
    """Count the buckets of ``series`` that are warn/critical under ``old`` and ``new``."""
    values = series.frame["value"].dropna()
    before, after = count_statuses(values, old), count_statuses(values, new)
    return Replay(
        series,
        len(values),
        before[Status.WARN],
        before[Status.CRITICAL],
        after[Status.WARN],
        after[Status.CRITICAL],
    )


def signal_series(engine: Engine, system: str, signal: str, window: Window) -> SignalSeries | None:
    """``signal``'s stored values per bucket for ``system`` in ``window``; None if not replayable.

    Raises ``LookupError`` for an unknown system.
    """
    if signal not in REPLAYABLE:
        return None
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        if system_id is None:
            raise LookupError(f"no system named {system!r}")
        bucket = "hour" if signal in HOURLY else "window"
        if signal in COSTS:
            bucket, at, values = cost_series(session, system_id, signal, window)
            frame = _frame(at, values)
        elif signal in HOURLY:
            frame = _hourly(session, system, system_id, signal, window)
        elif signal.startswith("data."):
            frame = _quality(session, system_id, signal.removeprefix("data."), window)
        elif signal in ("monitor.drift_share", "monitor.prediction_drift"):
            frame = _drift_frame(session, system_id, signal, window)
        elif signal == "monitor.multivariate_drift":
            aucs = domain_auc_series(session, [system_id], window.since, window.until)
            points = aucs.get(system_id, [])
            frame = _frame([at for at, _ in points], [auc for _, auc in points])
        elif signal == "monitor.fairness_gap":
            frame = _fairness(session, system_id, window)
        elif signal == KPI_CHANGE:
            bucket = "day"
            frame = _frame(*kpi_change_series(session, system_id, window))
        elif signal == "impact.value_ratio":
            frame = _frame(*window_ratios(session, system_id, window))
        else:
            frame = _performance(session, system_id, signal, window)
    return SignalSeries(signal, system, bucket, frame.reset_index(drop=True))


def _frame(at: Sequence[datetime], values: Sequence[float | None]) -> pd.DataFrame:
    numbers = [float("nan") if v is None else float(v) for v in values]
    return pd.DataFrame(
        {"at": pd.to_datetime(pd.Series(list(at), dtype=object), utc=True),
         "value": pd.Series(numbers, dtype="float64")}
    )  # fmt: skip


def _hourly(
    session: Session, system: str, system_id: int, signal: str, window: Window
) -> pd.DataFrame:
    golden = golden_signals(session, system_id, window, seconds=HOUR)
    if signal == "operate.error_rate":
        value = golden["error_rate"]
    elif signal == "operate.availability":
        value = 1 - golden["error_rate"]
    elif signal == "operate.latency_p95_ms":
        value = golden["latency_p95_ms"]
    else:
        slo = primary_slos(session, {system_id: system})[system_id]
        allowed = (1 - slo.target) * golden["requests"]
        value = (1 - golden["errors"] / allowed).where(allowed > 0)
    return pd.DataFrame({"at": golden["bucket"], "value": value.astype("float64")})


def _quality(session: Session, system_id: int, check: str, window: Window) -> pd.DataFrame:
    rows = window_quality(session, system_id, check, window.since, window.until)
    return _frame([r[0] for r in rows], [r[1] for r in rows])


def _drift_frame(session: Session, system_id: int, signal: str, window: Window) -> pd.DataFrame:
    windows = window_drifts(session, [system_id], window).get(system_id, [])
    if signal == "monitor.drift_share":
        values = [w.share for w in windows]
    else:
        values = [None if w.prediction_drifted is None else float(w.prediction_drifted)
                  for w in windows]  # fmt: skip
    return _frame([w.window_start for w in windows], values)


def _fairness(session: Session, system_id: int, window: Window) -> pd.DataFrame:
    champ = champions(session, [system_id]).get(system_id)
    if champ is None:
        return _frame([], [])
    gaps = fairness_gaps(session, {system_id: champ.version}, window.since, window.until)
    labelled = [w for w in gaps.get(system_id, []) if w.labelled_rows > 0]
    return _frame([w.window_start for w in labelled], [w.gap for w in labelled])


def _performance(session: Session, system_id: int, signal: str, window: Window) -> pd.DataFrame:
    champ = champions(session, [system_id]).get(system_id)
    if champ is None or not champ.metric:
        return _frame([], [])
    metrics = {system_id: (champ.live_metric or "", champ.version)}
    measured = measured_performance(session, metrics, window.since, window.until)
    windows = {w.window_start: (w.labelled_rows, w.segments) for w in measured.get(system_id, [])}
    at: list[datetime] = []
    values: list[float | None] = []
    for start, (labelled, segments) in windows.items():
        if "" not in segments or (signal != "validate.champion_vs_baseline" and labelled <= 0):
            continue
        value: float | None = None
        if signal == "monitor.segment_gap":
            value = segment_gap(segments)
        elif champ.validation_value is not None:
            value = relative_to_baseline(segments[""], champ.validation_value, champ.metric)
        at.append(start)
        values.append(value)
    return _frame(at, values)
