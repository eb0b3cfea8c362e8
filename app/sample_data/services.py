"""CI pipelines, deployments and incidents (the DevOps half).

Why plan deployments before pipelines: DORA lead time is ``deployed_at - committed_at``, so each
service deployment first gets a commit time from its system's lead-time profile, then a passing
main-branch pipeline for exactly that commit is inserted between the two.  Lead times, deployment
frequency, change failure rate and MTTR therefore all follow from the story's profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import rng_for, stable_hex, to_datetime, weekday
from .profiles import DELIVERY
from .story import (
    CHECKOUT,
    DAYS,
    DEMAND,
    DEMAND_BROKEN_PASS_RATE,
    DEMAND_CI_BROKEN_FROM,
    DEMAND_LATE_DEPLOYS,
    DEMAND_LATE_FAILED_DAY,
    DEMAND_LATE_LEAD_H,
    DEMAND_PIPELINE_MINUTES_END,
    DEMAND_SLOW_FROM,
    DEPLOY_FREEZE,
    END,
    FRAUD,
    HOUR,
    INCIDENT_ID_BASE,
    INCIDENTS,
    MINUTE,
    MODEL_DEPLOYS,
    SERVICE_DEPLOYS,
    START,
    SYSTEMS,
    at,
)

PIPELINE_ID_BASE = {FRAUD: 4120, DEMAND: 2210, CHECKOUT: 9050}
DEPLOY_ID_BASE = {FRAUD: 101, DEMAND: 57, CHECKOUT: 412}
BRANCH_WORDS = (
    "retry-budget",
    "feature-store",
    "rate-limit",
    "schema-check",
    "otel-traces",
    "pydantic-v2",
    "cache-ttl",
    "batch-size",
    "logging",
    "deps-bump",
    "flaky-test",
    "healthcheck",
    "timeouts",
    "refactor-io",
    "pin-numpy",
)


@dataclass(frozen=True)
class ServicePlan:
    """A service deployment with its commit; the pipeline for ``sha`` is generated from it."""

    system: str
    deployed_at: int
    committed_at: int
    status: str
    sha: str
    tag: str = ""
    ci_retry: bool = False  # commit needed a failed CI attempt before the passing re-run


def plan_service_deploys(system: str) -> list[ServicePlan]:
    """Routine deployments from the delivery profile plus the story's hand-placed ones."""
    profile = DELIVERY[system]
    rng = rng_for("deploys", system)
    low, high = profile.lead_range_h
    drafts: list[tuple[int, float, str, str]] = []  # (deployed_at, lead_h, status, tag)
    for day in range(1, DAYS):
        if system == DEMAND and at(day) >= DEMAND_SLOW_FROM:
            break
        rate = profile.deploys_weekday if weekday(day) < 5 else profile.deploys_weekend
        for _ in range(min(int(rng.poisson(rate)), 4)):
            deployed = at(day) + int(rng.uniform(8.0, 18.5) * HOUR)
            lead = float(np.clip(rng.lognormal(np.log(profile.lead_median_h), 0.7), low, high))
            drafts.append((deployed, lead, "success", ""))
    freeze = DEPLOY_FREEZE.get(system)
    if freeze is not None:
        drafts = [d for d in drafts if not freeze[0] <= d[0] < freeze[1]]
    for i in rng.choice(len(drafts), size=profile.failed_deploys, replace=False):
        deployed, lead, _, tag = drafts[int(i)]
        drafts[int(i)] = (deployed, lead, "failed", tag)
    if system == DEMAND:
        for day, hour in DEMAND_LATE_DEPLOYS:
            status = "failed" if day == DEMAND_LATE_FAILED_DAY else "success"
            deployed = at(day, hour, int(rng.integers(0, 60)))
            drafts.append((deployed, float(rng.uniform(*DEMAND_LATE_LEAD_H)), status, ""))
    for special in SERVICE_DEPLOYS:
        if special.system == system:
            drafts.append((special.deployed_at, special.lead_hours, special.status, special.tag))
    plans = []
    for i, (deployed, lead, status, tag) in enumerate(sorted(drafts)):
        committed = max(deployed - int(lead * HOUR), START + 10 * MINUTE)
        plans.append(
            ServicePlan(
                system,
                deployed,
                committed,
                status,
                stable_hex(40, "commit", system, "deploy", i),
                tag,
                ci_retry=system == DEMAND and committed >= DEMAND_CI_BROKEN_FROM,
            )
        )
    return plans


def _pipeline(
    rng: np.random.Generator, system: str, start: int, branch: str, status: str, sha: str
) -> dict[str, object]:
    """One CI run; duration and test counts follow the system's profile at ``start``."""
    profile = DELIVERY[system]
    minutes = profile.pipeline_minutes
    if system == DEMAND and start >= DEMAND_SLOW_FROM:
        progress = (start - DEMAND_SLOW_FROM) / (END - DEMAND_SLOW_FROM)
        minutes += (DEMAND_PIPELINE_MINUTES_END - minutes) * progress
    minutes *= float(rng.lognormal(0.0, 0.1))
    lo, hi = profile.tests_total
    total = int(round(lo + (hi - lo) * (start - START) / (END - START)))
    failed_tests = 0
    if status == "failed":
        minutes *= float(rng.uniform(0.5, 1.0))
        broken = system == DEMAND and start >= DEMAND_CI_BROKEN_FROM
        failed_tests = int(2 + rng.poisson(5.0)) if broken else int(1 + rng.poisson(1.5))
    elif status == "cancelled":
        minutes *= float(rng.uniform(0.1, 0.6))
        total = int(total * rng.uniform(0.1, 0.8))
    return {
        "system": system,
        "commit_sha": sha,
        "branch": branch,
        "started_at": start,
        "finished_at": start + int(minutes * MINUTE),
        "status": status,
        "tests_total": total,
        "tests_failed": failed_tests,
    }


def _status(rng: np.random.Generator, system: str, start: int) -> str:
    pass_rate = DELIVERY[system].pass_rate
    if system == DEMAND and start >= DEMAND_CI_BROKEN_FROM:
        pass_rate = DEMAND_BROKEN_PASS_RATE
    u = rng.random()
    return "success" if u < pass_rate else "cancelled" if u < pass_rate + 0.025 else "failed"


def build_pipelines(plans: dict[str, list[ServicePlan]]) -> pd.DataFrame:
    """All CI runs: random daily traffic plus a passing main run for every deployed commit."""
    rows: list[dict[str, object]] = []
    for system in SYSTEMS:
        rng = rng_for("pipelines", system)
        rate = DELIVERY[system].pipelines_per_day
        for day in range(DAYS):
            for k in range(int(rng.poisson(rate if weekday(day) < 5 else 0.35 * rate))):
                start = at(day) + int(np.clip(rng.normal(13.5, 3.5), 0.0, 23.9) * HOUR)
                word = BRANCH_WORDS[int(rng.integers(len(BRANCH_WORDS)))]
                prefix = ("feature", "fix", "chore")[int(rng.integers(3))]
                branch = "main" if rng.random() < 0.4 else f"{prefix}/{word}"
                sha = stable_hex(40, "commit", system, "ci", day, k)
                rows.append(_pipeline(rng, system, start, branch, _status(rng, system, start), sha))
        for plan in plans[system]:
            start = plan.committed_at + int(rng.integers(60, 360))
            if plan.ci_retry:
                rows.append(_pipeline(rng, system, start, "main", "failed", plan.sha))
                start += int(rng.uniform(1.0, 3.0) * HOUR)
            rows.append(_pipeline(rng, system, start, "main", "success", plan.sha))
    frame = pd.DataFrame(rows)
    frame = frame[frame["finished_at"] < END]
    frame = frame.sort_values(["system", "started_at", "commit_sha"], kind="stable")
    frame = frame.reset_index(drop=True)
    order = frame.groupby("system").cumcount()
    frame.insert(
        1,
        "pipeline_id",
        [
            f"{s}-ci-{PIPELINE_ID_BASE[s] + int(n):06d}"
            for s, n in zip(frame["system"], order, strict=True)
        ],
    )
    for column in ("started_at", "finished_at"):
        frame[column] = to_datetime(frame[column].to_numpy())
    return frame[
        [
            "system",
            "pipeline_id",
            "commit_sha",
            "branch",
            "started_at",
            "finished_at",
            "status",
            "tests_total",
            "tests_failed",
        ]
    ]


def build_deployments(
    plans: dict[str, list[ServicePlan]], runs: pd.DataFrame, models: pd.DataFrame
) -> pd.DataFrame:
    """Service and model deployments; a model deployment's commit and commit time are its
    training run's code commit and finish time, so model lead time = training -> deploy."""
    rows: list[dict[str, object]] = []
    incidents = incident_ids()
    hotfixes = {(d.system, d.tag): d.answers for d in SERVICE_DEPLOYS if d.answers}
    for system in SYSTEMS:
        major, minor = DELIVERY[system].version_base
        for i, plan in enumerate(plans[system]):
            answers = hotfixes.get((system, plan.tag), 0)
            rows.append(
                {
                    "system": system,
                    "kind": "service",
                    "version": f"{major}.{minor + i}.0",
                    "commit_sha": plan.sha,
                    "committed_at": plan.committed_at,
                    "deployed_at": plan.deployed_at,
                    "environment": "production",
                    "status": plan.status,
                    "model_version": None,
                    "unplanned": "true" if answers else "",
                    "incident_id": incidents[(system, answers)] if answers else "",
                    "_tag": plan.tag,
                }
            )
    run_by_id = runs.set_index("run_id")
    for deploy in MODEL_DEPLOYS:
        model = models[(models["system"] == deploy.system) & (models["version"] == deploy.version)]
        run = run_by_id.loc[str(model["run_id"].iloc[0])]
        rows.append(
            {
                "system": deploy.system,
                "kind": "model",
                "version": str(deploy.version),
                "commit_sha": run["code_commit"],
                "committed_at": int(run["finished_at"].timestamp()),
                "deployed_at": deploy.deployed_at,
                "environment": deploy.environment,
                "status": deploy.status,
                "model_version": deploy.version,
                "unplanned": "true" if deploy.answers else "",
                "incident_id": incidents[(deploy.system, deploy.answers)] if deploy.answers else "",
                "_tag": deploy.tag,
            }
        )
    frame = pd.DataFrame(rows).sort_values(["system", "deployed_at"], kind="stable")
    frame = frame.reset_index(drop=True)
    order = frame.groupby("system").cumcount()
    frame.insert(
        1,
        "deployment_id",
        [
            f"{s}-dep-{DEPLOY_ID_BASE[s] + int(n):04d}"
            for s, n in zip(frame["system"], order, strict=True)
        ],
    )
    frame["model_version"] = frame["model_version"].astype("Int64")
    for column in ("committed_at", "deployed_at"):
        frame[column] = to_datetime(frame[column].to_numpy())
    return frame


def incident_ids() -> dict[tuple[str, int], str]:
    """Each story incident's id by (system, opened_at): numbered in opening order."""
    ordered = sorted(INCIDENTS, key=lambda p: p.opened_at)
    return {(p.system, p.opened_at): f"INC-{INCIDENT_ID_BASE + i}" for i, p in enumerate(ordered)}


def build_incidents(deployments: pd.DataFrame) -> pd.DataFrame:
    """The story's incidents in opening order, linked to deployments by story tag."""
    tagged = deployments[deployments["_tag"] != ""].set_index(["system", "_tag"])["deployment_id"]
    ids = incident_ids()
    rows = []
    for plan in sorted(INCIDENTS, key=lambda p: p.opened_at):
        rows.append(
            {
                "system": plan.system,
                "incident_id": ids[(plan.system, plan.opened_at)],
                "severity": plan.severity,
                "opened_at": plan.opened_at,
                "resolved_at": plan.resolved_at,
                "deployment_id": tagged[(plan.system, plan.deploy_tag)] if plan.deploy_tag else "",
                "cause": plan.cause,
                "title": plan.title,
            }
        )
    frame = pd.DataFrame(rows)
    frame["opened_at"] = to_datetime(frame["opened_at"].to_numpy())
    frame["resolved_at"] = to_datetime(list(frame["resolved_at"]))
    return frame
