"""DORA's five metrics, shared by the release (service) and deploy (model) stages.

Named as the DORA guide (dora.dev) names them, in its two groups: throughput
(change lead time, deployment frequency, failed deployment recovery time) and
instability (change fail rate, deployment rework rate).

Conventions: only ``environment == 'production'`` deployments count, each
kind (``service`` or ``model``) on its own, and a deployment belongs to the
window by ``deployed_at``. A deployment is a *change failure* when its status
is not ``success`` (failed, rolled back) or when an incident of the same
system names it in ``incidents.deployment_id``. Frequency and lead time use
successful deployments only. Frequency is 0 (not unknown) for a system that
has deployed this kind before but not in the window; it is unknown for a
system that never has.

*Failed deployment recovery time* runs from a change failure's ``deployed_at``
to the ``deployed_at`` of the next successful production deployment of the
same kind (the roll-forward or the redeploy of the old version), as Octopus
Deploy's Insights measure it; its median over the change failures deployed in
the window. A failure with no successful deployment after it before the end
of the window is not yet recovered and left out. (The deployment is what
failed and a deployment is what recovers it; the incident's own open-to-
resolved time stays ``recover.time_to_restore_h``.)

*Deployment rework rate* is the share of the window's production deployments
(any status) marked ``unplanned``: made because of a production incident.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.health.window import Window
from app.store.models import Deployment, Incident

PRODUCTION = "production"
SUCCESS = "success"
HOUR = 3600.0


@dataclass(frozen=True)
class DeploymentRow:
    """The columns of one production deployment that the signals need."""

    system_id: int
    deployment_id: str
    status: str
    deployed_at: datetime
    committed_at: datetime | None
    model_version: int | None
    unplanned: bool = False


@dataclass(frozen=True)
class DeploymentSignals:
    """DORA's five metrics of one system's production deployments of one kind."""

    deployment_frequency_per_day: float | None
    change_lead_time_h: float | None
    failed_deployment_recovery_time_h: float | None
    change_fail_rate: float | None
    deployment_rework_rate: float | None


def load_deployments(
    session: Session, system_ids: Collection[int], window: Window, kind: str
) -> dict[int, list[DeploymentRow]]:
    """Production deployments of ``kind`` in the window, by system, oldest first."""
    rows = session.execute(
        select(
            Deployment.system_id,
            Deployment.deployment_id,
            Deployment.status,
            Deployment.deployed_at,
            Deployment.committed_at,
            Deployment.model_version,
            Deployment.unplanned,
        )
        .where(
            Deployment.system_id.in_(system_ids),
            Deployment.kind == kind,
            Deployment.environment == PRODUCTION,
            Deployment.deployed_at >= window.since,
            Deployment.deployed_at < window.until,
        )
        .order_by(Deployment.system_id, Deployment.deployed_at)
    ).all()
    result: dict[int, list[DeploymentRow]] = defaultdict(list)
    for row in rows:
        result[row.system_id].append(DeploymentRow(*row[:-1], unplanned=bool(row.unplanned)))
    return dict(result)


def systems_that_deployed(
    session: Session, system_ids: Collection[int], until: datetime, kind: str
) -> set[int]:
    """Systems with any production deployment of ``kind`` before ``until``."""
    return set(
        session.scalars(
            select(Deployment.system_id)
            .where(
                Deployment.system_id.in_(system_ids),
                Deployment.kind == kind,
                Deployment.environment == PRODUCTION,
                Deployment.deployed_at < until,
            )
            .group_by(Deployment.system_id)
        )
    )


def incident_linked(session: Session, system_ids: Collection[int]) -> set[tuple[int, str]]:
    """(system id, deployment id) pairs that some incident names as its cause."""
    rows = session.execute(
        select(Incident.system_id, Incident.deployment_id)
        .where(Incident.system_id.in_(system_ids), Incident.deployment_id.is_not(None))
        .group_by(Incident.system_id, Incident.deployment_id)
    ).all()
    return {(r.system_id, r.deployment_id) for r in rows}


def deployment_signals(
    deployments: list[DeploymentRow],
    linked: set[tuple[int, str]],
    window: Window,
    has_deployed: bool,
) -> DeploymentSignals:
    """DORA's five metrics of one system's deployments (oldest first) in ``window``."""
    successes = [d for d in deployments if d.status == SUCCESS]
    frequency = len(successes) / window.days if has_deployed else None
    lead_times = [
        (d.deployed_at - d.committed_at).total_seconds() / HOUR
        for d in successes
        if d.committed_at is not None
    ]
    failed = [d for d in deployments if is_change_failure(d, linked)]
    recoveries = [hours for d in failed if (hours := _recovery_h(d, successes)) is not None]
    count = len(deployments)
    return DeploymentSignals(
        deployment_frequency_per_day=frequency,
        change_lead_time_h=statistics.median(lead_times) if lead_times else None,
        failed_deployment_recovery_time_h=statistics.median(recoveries) if recoveries else None,
        change_fail_rate=len(failed) / count if count else None,
        deployment_rework_rate=sum(d.unplanned for d in deployments) / count if count else None,
    )


def is_change_failure(deployment: DeploymentRow, linked: set[tuple[int, str]]) -> bool:
    """Failed, rolled back, or named by an incident as its cause."""
    return (
        deployment.status != SUCCESS or (deployment.system_id, deployment.deployment_id) in linked
    )


def _recovery_h(failure: DeploymentRow, successes: list[DeploymentRow]) -> float | None:
    """Hours from ``failure`` to the next successful deployment after it, if any."""
    after = (d.deployed_at for d in successes if d.deployed_at > failure.deployed_at)
    recovered = next(after, None)
    return None if recovered is None else (recovered - failure.deployed_at).total_seconds() / HOUR
