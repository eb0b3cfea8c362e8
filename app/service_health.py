"""Everything the Service health page shows about one system, without Streamlit.

``service_health`` gathers, in one session, what the page's first view
shows: the golden signals in time buckets (the timeline's error rate), every
SLO of the system (error budget, burn rates, burn-down) and the incidents.
``ci_report`` and ``delivery_report`` read what the CI and DORA tabs show,
each only when its tab is opened (issue 15 item 7). The page only draws what
they return.

Conventions: CI pipelines belong to the window by ``started_at`` and count as
finished when ``success`` or ``failed`` (as ``ci.pass_rate``); the CI trend
is per UTC day. An incident is listed when it was open at any moment of the
window; its time to restore is empty while it is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from app.health.delivery import DoraReport, dora_report
from app.health.devops import FINISHED_PIPELINE
from app.health.golden import bucket_seconds, golden_signals
from app.health.slo import (
    LATENCY_APPROXIMATION,
    BurnRateRow,
    ErrorBudget,
    burn_down,
    burn_rates,
    error_budget,
    latency_events,
)
from app.health.slo_store import AVAILABILITY, SloSpec, primary_slo, slos_of
from app.health.thresholds import ThresholdSpec, effective_thresholds
from app.health.window import Window
from app.store.db import get_engine, session_scope
from app.store.models import Incident, PipelineRun, System

HOUR = 3600.0
# Points per golden-signal line on the page: well under the 5,000 cap, and a
# chart half a screen wide shows no more (90 days: 1-hour buckets).
PAGE_POINTS = 2500


@dataclass(frozen=True)
class SloReport:
    """One SLO at the end of the window: its budget, burn rates and burn-down."""

    slo: SloSpec
    budget: ErrorBudget
    burn: list[BurnRateRow]
    burn_down: pd.DataFrame

    @property
    def approximation(self) -> str | None:
        """Why the numbers are estimates (latency SLIs), or None when they are counts."""
        return None if self.slo.sli == AVAILABILITY else LATENCY_APPROXIMATION


def slo_report(session: Session, system_id: int, slo: SloSpec, window: Window) -> SloReport:
    """``slo`` over its period ending at the end of ``window`` (samples from before it count)."""
    until = window.until
    # A latency SLI reads raw samples: once, for the budget, the alerts and the chart.
    events = None if slo.sli == AVAILABILITY else latency_events(session, system_id, slo, until)
    return SloReport(
        slo=slo,
        budget=error_budget(session, system_id, until, slo, events),
        burn=burn_rates(session, system_id, until, slo, events),
        burn_down=burn_down(session, system_id, until, slo, events=events),
    )


@dataclass(frozen=True)
class ServiceHealth:
    system: str
    window: Window
    bucket_seconds: int
    golden: pd.DataFrame
    thresholds: dict[str, ThresholdSpec]
    slos: tuple[SloReport, ...]  # the system's SLOs, the primary one first
    incidents: pd.DataFrame

    @property
    def has_samples(self) -> bool:
        return not self.golden.empty

    @property
    def primary(self) -> SloReport:
        """The SLO ``operate.error_budget_remaining`` reads (``slo_store.primary_slo``)."""
        return self.slos[0]

    @property
    def budget(self) -> ErrorBudget:
        return self.primary.budget

    @property
    def burn(self) -> list[BurnRateRow]:
        return self.primary.burn

    @property
    def burn_down(self) -> pd.DataFrame:
        return self.primary.burn_down


@dataclass(frozen=True)
class CiReport:
    """The CI tab: per-day trend and the newest failed pipelines (``ci_daily``, ``failing``)."""

    daily: pd.DataFrame
    failing: pd.DataFrame


def _system_id(session: Session, system: str) -> int:
    system_id = session.scalar(select(System.id).where(System.name == system))
    if system_id is None:
        raise LookupError(f"no system named {system!r}")
    return system_id


def service_health(engine: Engine | None, system: str, window: Window) -> ServiceHealth:
    """The page's first view of ``system`` over ``window``; ``LookupError`` for an unknown name."""
    with session_scope(engine or get_engine()) as session:
        system_id = _system_id(session, system)
        thresholds = effective_thresholds(session, system)
        slos = slos_of(session, system)
        first = primary_slo(slos, system)
        ordered = [first, *(s for s in slos if s is not first)]
        step = bucket_seconds(window, PAGE_POINTS)
        return ServiceHealth(
            system=system,
            window=window,
            bucket_seconds=step,
            golden=golden_signals(session, system_id, window, step),
            thresholds=thresholds,
            slos=tuple(slo_report(session, system_id, slo, window) for slo in ordered),
            incidents=incidents(session, system_id, window),
        )


def ci_report(engine: Engine | None, system: str, window: Window) -> CiReport:
    """The CI tab of ``system`` over ``window``; ``LookupError`` for an unknown name."""
    with session_scope(engine or get_engine()) as session:
        system_id = _system_id(session, system)
        return CiReport(
            daily=ci_daily(session, system_id, window),
            failing=failing_pipelines(session, system_id, window),
        )


def delivery_report(engine: Engine | None, system: str, window: Window) -> DoraReport:
    """The DORA tab of ``system`` over ``window``; ``LookupError`` for an unknown name."""
    with session_scope(engine or get_engine()) as session:
        return dora_report(session, _system_id(session, system), window)


def _pipelines(session: Session, system_id: int, window: Window) -> pd.DataFrame:
    rows = session.execute(
        select(
            PipelineRun.pipeline_id,
            PipelineRun.branch,
            PipelineRun.commit_sha,
            PipelineRun.started_at,
            PipelineRun.finished_at,
            PipelineRun.status,
            PipelineRun.tests_total,
            PipelineRun.tests_failed,
        ).where(
            PipelineRun.system_id == system_id,
            PipelineRun.status.in_(FINISHED_PIPELINE),
            PipelineRun.started_at >= window.since,
            PipelineRun.started_at < window.until,
        )
    ).all()
    columns = ["pipeline", "branch", "commit", "started_at", "finished_at", "status",
               "tests_total", "tests_failed"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["duration_min"] = (
        pd.to_datetime(frame["finished_at"], utc=True)
        - pd.to_datetime(frame["started_at"], utc=True)
    ).dt.total_seconds() / 60
    return frame


def ci_daily(session: Session, system_id: int, window: Window) -> pd.DataFrame:
    """Per UTC day: finished pipelines, pass rate and median duration (minutes)."""
    frame = _pipelines(session, system_id, window)
    if frame.empty:
        return pd.DataFrame(columns=["day", "pipelines", "pass_rate", "duration_p50_min"])
    frame["day"] = pd.to_datetime(frame["started_at"], utc=True).dt.floor("D")
    frame["passed"] = frame["status"] == "success"
    daily = frame.groupby("day").agg(
        pipelines=("pipeline", "size"),
        pass_rate=("passed", "mean"),
        duration_p50_min=("duration_min", "median"),
    )
    return daily.reset_index()


def failing_pipelines(
    session: Session, system_id: int, window: Window, limit: int = 10
) -> pd.DataFrame:
    """The newest failed pipelines, with how many tests failed."""
    frame = _pipelines(session, system_id, window)
    failed = frame[frame["status"] == "failed"].sort_values("started_at", ascending=False)
    columns = ["pipeline", "branch", "commit", "started_at", "duration_min", "tests_failed",
               "tests_total"]  # fmt: skip
    return failed.head(limit)[columns].reset_index(drop=True)


def incidents(session: Session, system_id: int, window: Window) -> pd.DataFrame:
    """Incidents open at any moment of the window, newest first, with time to restore."""
    rows = session.execute(
        select(
            Incident.incident_id,
            Incident.severity,
            Incident.opened_at,
            Incident.resolved_at,
            Incident.cause,
            Incident.deployment_id,
            Incident.title,
        )
        .where(
            Incident.system_id == system_id,
            Incident.opened_at < window.until,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at >= window.since),
        )
        .order_by(Incident.opened_at.desc())
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=["incident", "severity", "opened_at", "resolved_at", "cause", "deployment",
                 "title"],
    )  # fmt: skip
    restore = [
        (r - o).total_seconds() / HOUR if isinstance(r, datetime) else None
        for o, r in zip(frame["opened_at"], frame["resolved_at"], strict=True)
    ]
    frame["time_to_restore_h"] = pd.Series(restore, dtype="float64")
    return frame
