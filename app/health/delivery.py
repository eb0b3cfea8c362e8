"""DORA's five metrics per system, for service releases and for model releases apart.

The values are the same as the status report's (``app.health.dora`` does the
deployment maths for both): in DORA's two groups, throughput (change lead
time, deployment frequency, failed deployment recovery time) and instability
(change fail rate, deployment rework rate) of production deployments of one
kind. Model change lead time runs from the training run's finish to
production. Incident time to restore is not a DORA metric any more; it stays
the Recover stage's ``recover.time_to_restore_h``.

Performance levels use the four clusters of DORA's *Accelerate State of
DevOps Report 2024* (elite, high, medium, low). The report gives ranges with
gaps ("between once per day and once per week"); here each band starts where
the better one ends. Two of its columns are not in order, and are read so:
change fail rate is a point value per cluster (elite 5 %, high 20 %, medium
10 %, low 40 %), so a rate gets the cluster whose value is nearest (cut at the
midpoints 7.5 %, 15 % and 30 %: 12 % reads *medium*, 25 % *high*); failed
deployment recovery time is "less than one day" for both high and medium, so
under a day reads *high*. The 2024 clusters do not band deployment rework
rate (the report introduced it), so it has no level.

==========================  ============  ===========  ============  ======
metric                      elite         high         medium        low
==========================  ============  ===========  ============  ======
deployments per day         > 1           ≥ 1/7        ≥ 1/30        below
change lead time (h)        < 24          ≤ 168        ≤ 720         above
change fail rate (nearest)  5 %           20 %         10 %          40 %
failed dep. recovery (h)    < 1           < 24         < 24          above
deployment rework rate      —             —            —             —
==========================  ============  ===========  ============  ======

Weekly trends use ISO weeks (Monday 00:00 UTC); a week's frequency divides
by the days of that week inside the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from app.health.champion import systems_with_model
from app.health.dora import (
    SUCCESS,
    DeploymentRow,
    DeploymentSignals,
    deployment_signals,
    incident_linked,
    load_deployments,
    systems_that_deployed,
)
from app.health.mlops import with_training_finish
from app.health.window import Window

REPORT_YEAR = 2024
LEVELS = ("elite", "high", "medium", "low")
THROUGHPUT = (
    "change_lead_time_h",
    "deployment_frequency_per_day",
    "failed_deployment_recovery_time_h",
)
INSTABILITY = ("change_fail_rate", "deployment_rework_rate")
KEYS = (*THROUGHPUT, *INSTABILITY)
LABELS = {
    "change_lead_time_h": "Change lead time",
    "deployment_frequency_per_day": "Deployment frequency",
    "failed_deployment_recovery_time_h": "Failed deployment recovery time",
    "change_fail_rate": "Change fail rate",
    "deployment_rework_rate": "Deployment rework rate",
}
HOUR = 3600.0

_Band = Callable[[float], str | None]


def _ordered(*tests: Callable[[float], bool]) -> _Band:
    """Elite, high, medium for the first test that holds, in that order; else low."""

    def level(value: float) -> str:
        return next((lv for lv, inside in zip(LEVELS, tests, strict=False) if inside(value)), "low")

    return level


def _fail_rate_level(value: float) -> str:
    # Nearest of the clusters' point values: elite 5 %, medium 10 %, high 20 %, low 40 %.
    if value <= 0.075:
        return "elite"
    if value <= 0.15:
        return "medium"
    return "high" if value <= 0.30 else "low"


_BANDS: dict[str, _Band] = {
    "deployment_frequency_per_day": _ordered(
        lambda v: v > 1, lambda v: v >= 1 / 7, lambda v: v >= 1 / 30
    ),
    "change_lead_time_h": _ordered(lambda v: v < 24, lambda v: v <= 168, lambda v: v <= 720),
    "change_fail_rate": _fail_rate_level,
    "failed_deployment_recovery_time_h": _ordered(lambda v: v < 1, lambda v: v < 24),
    "deployment_rework_rate": lambda v: None,
}


def dora_level(key: str, value: float | None) -> str | None:
    """elite | high | medium | low per the 2024 report's clusters; None without a value or band."""
    if value is None:
        return None
    return _BANDS[key](value)


@dataclass(frozen=True)
class DoraMetrics:
    """DORA's five metrics of one kind of release (``service`` or ``model``)."""

    kind: str
    change_lead_time_h: float | None
    deployment_frequency_per_day: float | None
    failed_deployment_recovery_time_h: float | None
    change_fail_rate: float | None
    deployment_rework_rate: float | None
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


def dora_report(session: Session, system_id: int, window: Window) -> DoraReport:
    """Service and model DORA metrics of one system over ``window``."""
    ids = [system_id]
    linked = incident_linked(session, ids)
    kinds: dict[str, DoraMetrics] = {}
    for kind in ("service", "model"):
        rows = load_deployments(session, ids, window, kind)
        if kind == "model":
            rows = with_training_finish(session, rows)
        deployed = system_id in systems_that_deployed(session, ids, window.until, kind)
        mine = rows.get(system_id, [])
        signals = deployment_signals(mine, linked, window, deployed)
        kinds[kind] = DoraMetrics(
            kind=kind,
            **_values(signals),
            weekly=weekly_trend(mine, linked, window, deployed),
        )
    has_model = system_id in systems_with_model(session, ids)
    return DoraReport(window, kinds["service"], kinds["model"] if has_model else None)


def _values(signals: DeploymentSignals) -> dict[str, float | None]:
    return {key: getattr(signals, key) for key in KEYS}


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of ``moment``'s ISO week."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weekly_trend(
    deployments: list[DeploymentRow],
    linked: set[tuple[int, str]],
    window: Window,
    has_deployed: bool,
) -> pd.DataFrame:
    """One row per ISO week overlapping ``window``: the five metrics of that week."""
    rows = []
    start = week_start(window.since)
    while start < window.until:
        end = start + timedelta(days=7)
        week = Window(max(start, window.since), min(end, window.until))
        in_week = [d for d in deployments if week.since <= d.deployed_at < week.until]
        signals = deployment_signals(in_week, linked, week, has_deployed)
        rows.append(
            {
                "week": start,
                "deployments": sum(d.status == SUCCESS for d in in_week),
                **_values(signals),
            }
        )
        start = end
    return pd.DataFrame(rows, columns=["week", "deployments", *KEYS])
