"""DevOps lane signals: CI, release, change risk, operate (SLO), recover.

Every function works on many systems at once (grouped by system in SQL) so
the overview issues a fixed number of queries however many systems there
are. Health samples never leave the database raw: they are summed per system
over the window and over each system's SLO period ending with it
(``operate.error_budget_remaining`` reads the SLO, never a threshold).

Conventions: a CI pipeline is *finished* when its status is ``success`` or
``failed`` (cancelled and running ones are left out) and it belongs to the
window by ``started_at``. Latency p95 is the p95 of the window's requests from summed
histogram buckets where every interval has them, else the request-weighted
mean of the interval p95s (``app.health.latency``).
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import cast

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.health.dora import (
    deployment_signals,
    incident_linked,
    load_deployments,
    systems_that_deployed,
)
from app.health.golden import window_totals
from app.health.latency import range_p95
from app.health.slo_store import DEFAULT_SLO, SloSpec, primary_slos
from app.health.window import Window
from app.store.models import Incident, PipelineRun

DEFAULT_AVAILABILITY_SLO = DEFAULT_SLO.target
ERROR_BUDGET_DAYS = DEFAULT_SLO.period_days
FINISHED_PIPELINE = ("success", "failed")

Values = dict[str, float | None]


def availability_slo(system: str) -> float:
    """The built-in availability SLO target (a system's own SLOs: ``app.health.slo_store``)."""
    return DEFAULT_AVAILABILITY_SLO


def devops_signals(
    session: Session,
    systems: Mapping[int, str],
    window: Window,
    slos: Mapping[int, SloSpec] | None = None,
    notes: dict[int, dict[str, str]] | None = None,
) -> dict[int, Values]:
    """Every DevOps signal's value (None = no data) for each system id in ``systems``.

    ``notes``, when given, receives per system id and signal key what a value
    is when it is not what its name says (``operate.latency_p95_ms`` read from
    interval percentiles: ``app.health.latency.APPROXIMATION``).

    ``slos`` are the SLOs ``operate.error_budget_remaining`` reads, by system
    id (default: each system's primary SLO, ``slo_store.primary_slos``), never
    a threshold.
    """
    ids = list(systems)
    values: dict[int, Values] = {i: {} for i in ids}
    active: set[int] = set()  # systems with any DevOps data: for "0 open incidents"
    for system_id, ci in _ci(session, ids, window).items():
        values[system_id].update(ci)
        active.add(system_id)

    deployments = load_deployments(session, ids, window, "service")
    linked = incident_linked(session, ids)
    deployed = systems_that_deployed(session, ids, window.until, "service")
    active |= deployed
    for system_id in ids:
        dora = deployment_signals(
            deployments.get(system_id, []), linked, window, system_id in deployed
        )
        values[system_id].update(
            {
                "release.deployment_frequency_per_day": dora.deployment_frequency_per_day,
                "release.change_lead_time_h": dora.change_lead_time_h,
                "release.failed_deployment_recovery_time_h": (
                    dora.failed_deployment_recovery_time_h
                ),
                "release.change_fail_rate": dora.change_fail_rate,
                "release.deployment_rework_rate": dora.deployment_rework_rate,
            }
        )

    if slos is None:
        slos = primary_slos(session, dict(systems))
    for system_id, operate in _operate(session, ids, window, slos, notes).items():
        values[system_id].update(operate)
        active.add(system_id)

    for system_id, recover in _recover(session, ids, window, active).items():
        values[system_id].update(recover)
    return values


def _ci(session: Session, ids: Collection[int], window: Window) -> dict[int, Values]:
    rows = session.execute(
        select(
            PipelineRun.system_id,
            PipelineRun.status,
            PipelineRun.started_at,
            PipelineRun.finished_at,
        ).where(
            PipelineRun.system_id.in_(ids),
            PipelineRun.status.in_(FINISHED_PIPELINE),
            PipelineRun.started_at >= window.since,
            PipelineRun.started_at < window.until,
        )
    ).all()
    finished: dict[int, int] = {}
    succeeded: dict[int, int] = {}
    durations: dict[int, list[float]] = {}
    for row in rows:
        finished[row.system_id] = finished.get(row.system_id, 0) + 1
        succeeded[row.system_id] = succeeded.get(row.system_id, 0) + (row.status == "success")
        if row.finished_at is not None:
            minutes = (row.finished_at - row.started_at).total_seconds() / 60
            durations.setdefault(row.system_id, []).append(minutes)
    return {
        system_id: {
            "ci.pass_rate": succeeded[system_id] / count,
            "ci.duration_p50_min": (
                statistics.median(durations[system_id]) if system_id in durations else None
            ),
        }
        for system_id, count in finished.items()
    }


def _operate(
    session: Session,
    ids: Collection[int],
    window: Window,
    slos: Mapping[int, SloSpec],
    notes: dict[int, dict[str, str]] | None = None,
) -> dict[int, Values]:
    in_window = window_totals(session, ids, window.since, window.until)
    # Each system's budget is over its SLO's period: one scan per period in use.
    periods: dict[int, list[int]] = {}
    for sid in ids:
        periods.setdefault(slos[sid].period_days, []).append(sid)
    in_budget = pd.concat(
        [
            window_totals(session, members, window.until - timedelta(days=days), window.until)
            for days, members in sorted(periods.items())
        ]
        or [window_totals(session, [], window.until, window.until)]
    )
    seen = in_window.index.union(in_budget.index)
    in_window = in_window.reindex(seen, fill_value=0.0)
    p95 = range_p95(session, in_window, window.since, window.until)
    result: dict[int, Values] = {}
    for system_id, totals in in_window.iterrows():
        sid = int(cast(int, system_id))
        req, err = float(totals["requests"]), float(totals["errors"])
        error_rate = err / req if req > 0 else None
        latency, approximation = p95[sid].value, p95[sid].approximation
        if notes is not None and approximation is not None:
            notes.setdefault(sid, {})["operate.latency_p95_ms"] = approximation
        budget = in_budget.loc[sid] if sid in in_budget.index else None
        b_req = float(budget["requests"]) if budget is not None else 0.0
        b_err = float(budget["errors"]) if budget is not None else 0.0
        allowed = (1 - slos[sid].target) * b_req
        result[sid] = {
            "operate.availability": None if error_rate is None else 1 - error_rate,
            "operate.error_rate": error_rate,
            "operate.latency_p95_ms": latency,
            "operate.error_budget_remaining": 1 - b_err / allowed if allowed > 0 else None,
        }
    return result


def _recover(
    session: Session, ids: Collection[int], window: Window, active: set[int]
) -> dict[int, Values]:
    resolved = session.execute(
        select(Incident.system_id, Incident.opened_at, Incident.resolved_at).where(
            Incident.system_id.in_(ids),
            Incident.resolved_at >= window.since,
            Incident.resolved_at < window.until,
        )
    ).all()
    restore: dict[int, list[float]] = {}
    for row in resolved:
        hours = (row.resolved_at - row.opened_at).total_seconds() / 3600
        restore.setdefault(row.system_id, []).append(hours)

    is_open = (Incident.resolved_at.is_(None)) | (Incident.resolved_at >= window.until)
    counts = session.execute(
        select(Incident.system_id, func.sum(case((is_open, 1), else_=0)))
        .where(Incident.system_id.in_(ids), Incident.opened_at < window.until)
        .group_by(Incident.system_id)
    ).all()
    open_now: dict[int, float] = {r[0]: float(r[1]) for r in counts}
    # No incident rows at all reads as 0 open only for a system we see running.
    return {
        system_id: {
            "recover.time_to_restore_h": (
                statistics.median(restore[system_id]) if system_id in restore else None
            ),
            "recover.open_incidents": open_now.get(system_id, 0.0 if system_id in active else None),
        }
        for system_id in ids
    }
