"""DORA's four keys per system, for service releases and for model releases apart.

The values are the same as the status report's (``app.health.dora`` does the
deployment maths for both): deployment frequency, median lead time and change
failure rate of production deployments of one kind, plus median time to
restore. Model lead time runs from the training run's finish to production.

Time to restore: for service releases, every incident resolved in the window
(as ``recover.time_to_restore_h``: users lose service whatever broke it); for
model releases, only incidents the model side caused: linked to a model
deployment, or with cause ``model`` or ``data``.

Performance levels use the four clusters of DORA's *Accelerate State of
DevOps Report 2023* (elite, high, medium, low). The report gives ranges with
gaps ("between once per day and once per week") and point values for change
failure rate (5 %, 10 %, 15 %, 64 %); here each band starts where the better
one ends, and a CFR point value is read as its band's upper bound:

==================  ============  ===========  ============  ======
key                 elite         high         medium        low
==================  ============  ===========  ============  ======
deploys per day     > 1           ≥ 1/7        ≥ 1/30        below
lead time (h)       < 24          ≤ 168        ≤ 720         above
change failure      ≤ 5 %         ≤ 10 %       ≤ 15 %        above
time to restore (h) < 1           < 24         ≤ 168         above
==================  ============  ===========  ============  ======

Weekly trends use ISO weeks (Monday 00:00 UTC); a week's frequency divides
by the days of that week inside the window.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.health.champion import systems_with_model
from app.health.dora import (
    SUCCESS,
    DeploymentRow,
    deployment_signals,
    incident_linked,
    load_deployments,
    systems_that_deployed,
)
from app.health.mlops import _with_training_finish
from app.health.window import Window
from app.store.models import Deployment, Incident

REPORT_YEAR = 2023
LEVELS = ("elite", "high", "medium", "low")
MODEL_CAUSES = ("model", "data")
KEYS = ("frequency_per_day", "lead_time_h", "change_failure_rate", "time_to_restore_h")
HOUR = 3600.0

_BANDS: dict[str, tuple[Callable[[float], bool], ...]] = {
    "frequency_per_day": (lambda v: v > 1, lambda v: v >= 1 / 7, lambda v: v >= 1 / 30),
    "lead_time_h": (lambda v: v < 24, lambda v: v <= 168, lambda v: v <= 720),
    "change_failure_rate": (lambda v: v <= 0.05, lambda v: v <= 0.10, lambda v: v <= 0.15),
    "time_to_restore_h": (lambda v: v < 1, lambda v: v < 24, lambda v: v <= 168),
}


def dora_level(key: str, value: float | None) -> str | None:
    """elite | high | medium | low per the 2023 report's clusters; None without a value."""
    if value is None:
        return None
    for level, inside in zip(LEVELS, _BANDS[key], strict=False):
        if inside(value):
            return level
    return "low"


@dataclass(frozen=True)
class DoraMetrics:
    """The four keys of one kind of release (``service`` or ``model``)."""

    kind: str
    frequency_per_day: float | None
    lead_time_h: float | None
    change_failure_rate: float | None
    time_to_restore_h: float | None
    weekly: pd.DataFrame = field(compare=False, repr=False)

    def value(self, key: str) -> float | None:
        return getattr(self, key)  # type: ignore[no-any-return]

    def level(self, key: str) -> str | None:
        return dora_level(key, self.value(key))


@dataclass(frozen=True)
class DoraReport:
    window: Window
    service: DoraMetrics
    model: DoraMetrics | None  # None for a system without a model


@dataclass(frozen=True)
class _Restore:
    resolved_at: datetime
    hours: float
    model_side: bool


def dora_report(session: Session, system_id: int, window: Window) -> DoraReport:
    """Service and model DORA metrics of one system over ``window``."""
    ids = [system_id]
    linked = incident_linked(session, ids)
    restores = _restores(session, system_id, window)
    kinds: dict[str, DoraMetrics] = {}
    for kind in ("service", "model"):
        rows = load_deployments(session, ids, window, kind)
        if kind == "model":
            rows = _with_training_finish(session, rows)
        deployed = system_id in systems_that_deployed(session, ids, window.until, kind)
        mine = rows.get(system_id, [])
        signals = deployment_signals(mine, linked, window, deployed)
        restore = [r for r in restores if kind == "service" or r.model_side]
        kinds[kind] = DoraMetrics(
            kind=kind,
            frequency_per_day=signals.frequency_per_day,
            lead_time_h=signals.lead_time_h,
            change_failure_rate=signals.change_failure_rate,
            time_to_restore_h=_median(r.hours for r in restore),
            weekly=weekly_trend(mine, restore, linked, window, deployed),
        )
    has_model = system_id in systems_with_model(session, ids)
    return DoraReport(window, kinds["service"], kinds["model"] if has_model else None)


def _restores(session: Session, system_id: int, window: Window) -> list[_Restore]:
    rows = session.execute(
        select(Incident.opened_at, Incident.resolved_at, Incident.cause, Deployment.kind)
        .outerjoin(
            Deployment,
            and_(
                Deployment.system_id == Incident.system_id,
                Deployment.deployment_id == Incident.deployment_id,
            ),
        )
        .where(
            Incident.system_id == system_id,
            Incident.resolved_at >= window.since,
            Incident.resolved_at < window.until,
        )
    ).all()
    return [
        _Restore(
            resolved,
            (resolved - opened).total_seconds() / HOUR,
            kind == "model" or (cause or "").lower() in MODEL_CAUSES,
        )
        for opened, resolved, cause, kind in rows
        if resolved is not None
    ]


def _median(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.median(found) if found else None


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of ``moment``'s ISO week."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weekly_trend(
    deployments: list[DeploymentRow],
    restores: list[_Restore],
    linked: set[tuple[int, str]],
    window: Window,
    has_deployed: bool,
) -> pd.DataFrame:
    """One row per ISO week overlapping ``window``: the four keys of that week."""
    rows = []
    start = week_start(window.since)
    while start < window.until:
        end = start + timedelta(days=7)
        week = Window(max(start, window.since), min(end, window.until))
        in_week = [d for d in deployments if week.since <= d.deployed_at < week.until]
        signals = deployment_signals(in_week, linked, week, has_deployed)
        restore = [r.hours for r in restores if week.since <= r.resolved_at < week.until]
        rows.append(
            {
                "week": start,
                "deployments": sum(d.status == SUCCESS for d in in_week),
                "frequency_per_day": signals.frequency_per_day,
                "lead_time_h": signals.lead_time_h,
                "change_failure_rate": signals.change_failure_rate,
                "time_to_restore_h": _median(restore),
            }
        )
        start = end
    return pd.DataFrame(rows, columns=["week", "deployments", *KEYS])
