"""DORA deployment maths shared by the release (service) and deploy (model) stages.

Conventions: only ``environment == 'production'`` deployments count, each
kind (``service`` or ``model``) on its own, and a deployment belongs to the
window by ``deployed_at``. A deployment is a *change failure* when its status
is not ``success`` (failed, rolled back) or when an incident of the same
system names it in ``incidents.deployment_id``. Frequency and lead time use
successful deployments only. Frequency is 0 (not unknown) for a system that
has deployed this kind before but not in the window; it is unknown for a
system that never has.
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


@dataclass(frozen=True)
class DeploymentSignals:
    frequency_per_day: float | None
    lead_time_h: float | None
    change_failure_rate: float | None


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
        result[row.system_id].append(DeploymentRow(*row))
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
    """Frequency per day, median lead time (h) and change failure rate of one system."""
    successes = [d for d in deployments if d.status == SUCCESS]
    frequency = len(successes) / window.days if has_deployed else None
    lead_times = [
        (d.deployed_at - d.committed_at).total_seconds() / HOUR
        for d in successes
        if d.committed_at is not None
    ]
    failures = sum(
        1 for d in deployments if d.status != SUCCESS or (d.system_id, d.deployment_id) in linked
    )
    return DeploymentSignals(
        frequency_per_day=frequency,
        lead_time_h=statistics.median(lead_times) if lead_times else None,
        change_failure_rate=failures / len(deployments) if deployments else None,
    )
