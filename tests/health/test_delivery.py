"""DORA for service and model releases: hand-computed values, levels, weekly trend.

(tests/health/test_dora_five.py has a second fixture built around rework and recovery.)

The fixture's window is [2025-03-01, 2025-03-31): 30 days. ``tandem status``
must report the same values as the DORA section.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.health.delivery import dora_level, dora_report
from app.health.window import Window
from app.store.db import session_scope
from app.store.models import Deployment, Incident, ModelVersion, System, TrainingRun

SINCE = datetime(2025, 3, 1, tzinfo=UTC)
UNTIL = datetime(2025, 3, 31, tzinfo=UTC)


def at(day: int, hour: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def _deploy(
    sid: int,
    did: str,
    when: datetime,
    status: str = "success",
    lead_h=None,
    kind: str = "service",
    env: str = "production",
    version=None,
) -> Deployment:
    committed = None if lead_h is None else when - timedelta(hours=lead_h)
    return Deployment(
        system_id=sid, deployment_id=did, kind=kind, committed_at=committed,
        deployed_at=when, environment=env, status=status, model_version=version,
    )  # fmt: skip


def _incident(
    sid: int, iid: str, opened: datetime, hours: float | None, cause: str, dep: str | None = None
) -> Incident:
    resolved = None if hours is None else opened + timedelta(hours=hours)
    return Incident(system_id=sid, incident_id=iid, severity="sev2", opened_at=opened,
                    resolved_at=resolved, deployment_id=dep, cause=cause)  # fmt: skip


def seed(engine: Engine) -> int:
    with session_scope(engine) as s:
        shop = System(name="shop")
        s.add(shop)
        s.flush()
        sid = shop.id
        s.add_all(
            [
                # Service: successes s1 (2 h), s2 (10 h, caused i1), s4 (30 h); s3 failed,
                # s5 rolled back; staging and February deployments do not count.
                _deploy(sid, "s1", at(3, 10), lead_h=2),
                _deploy(sid, "s2", at(5, 10), lead_h=10),
                _deploy(sid, "s3", at(12, 10), "failed", lead_h=1),
                _deploy(sid, "s4", at(20, 10), lead_h=30),
                _deploy(sid, "s5", at(27), "rolled_back", lead_h=5),
                _deploy(sid, "s6", at(28), lead_h=1, env="staging"),
                _deploy(sid, "s0", at(20, month=2), lead_h=1),
                # Model: m1 (run finished 52 h before), m3 (12 h, caused i3); m2 rolled back.
                _deploy(sid, "m1", at(8, 12), kind="model", version=1),
                _deploy(sid, "m2", at(15, 12), "rolled_back", kind="model", version=2),
                _deploy(sid, "m3", at(22, 12), lead_h=12, kind="model", version=2),
                TrainingRun(system_id=sid, run_id="r1", experiment="x", started_at=at(6),
                            finished_at=at(6, 8), status="FINISHED"),
                TrainingRun(system_id=sid, run_id="r2", experiment="x", started_at=at(14),
                            finished_at=at(15), status="FINISHED"),
                ModelVersion(system_id=sid, model_name="m", version=1, run_id="r1",
                             registered_at=at(6, 9)),
                ModelVersion(system_id=sid, model_name="m", version=2, run_id="r2",
                             registered_at=at(15, 1), alias="champion"),
                # Incidents resolved in the window: 2 h, 1 h, 6 h (model), 10 h (data).
                _incident(sid, "i1", at(5, 11), 2, "code", dep="s2"),
                _incident(sid, "i2", at(10), 1, "infra"),
                _incident(sid, "i3", at(22, 13), 6, "code", dep="m3"),
                _incident(sid, "i4", at(25), 10, "data"),
                _incident(sid, "i5", at(29), None, "infra"),
                _incident(sid, "i6", at(10, month=2), 50, "model"),
            ]
        )  # fmt: skip
        return sid


SERVICE = {
    "deployment_frequency_per_day": 3 / 30,
    "change_lead_time_h": 10.0,
    "change_fail_rate": 3 / 5,
    # s2 (5th 10:00, caused i1) and s3 (12th 10:00, failed) recover at s4 (20th 10:00):
    # 360 h and 192 h; s5 (rolled back on the 27th) has no success after it. median = 276
    "failed_deployment_recovery_time_h": 276.0,
    "deployment_rework_rate": 0.0,
}
MODEL = {
    "deployment_frequency_per_day": 2 / 30,
    "change_lead_time_h": 32.0,  # median of 52 (m1: from r1's finish) and 12 (m3)
    "change_fail_rate": 2 / 3,
    # m2 (rolled back, 15th 12:00) recovers at m3 (22nd 12:00): 168 h; m3 (i3) has no later one
    "failed_deployment_recovery_time_h": 168.0,
    "deployment_rework_rate": 0.0,
}
RESTORE_H = 4.0  # recover.time_to_restore_h: median of 1, 2, 6, 10 (every resolved incident)


def test_dora_report_matches_hand_computed_values(engine: Engine) -> None:
    sid = seed(engine)
    with session_scope(engine) as s:
        report = dora_report(s, sid, Window(SINCE, UNTIL))
    assert report.model is not None
    for key, value in SERVICE.items():
        assert report.service.value(key) == pytest.approx(value), key
    for key, value in MODEL.items():
        assert report.model.value(key) == pytest.approx(value), key
    assert {k: report.service.level(k) for k in SERVICE} == {
        "deployment_frequency_per_day": "medium",
        "change_lead_time_h": "elite",
        "change_fail_rate": "low",
        "failed_deployment_recovery_time_h": "low",
        "deployment_rework_rate": None,
    }
    assert {k: report.model.level(k) for k in MODEL} == {
        "deployment_frequency_per_day": "medium",
        "change_lead_time_h": "high",
        "change_fail_rate": "low",
        "failed_deployment_recovery_time_h": "low",
        "deployment_rework_rate": None,
    }


def test_weekly_trend_splits_by_iso_week(engine: Engine) -> None:
    sid = seed(engine)
    with session_scope(engine) as s:
        weekly = dora_report(s, sid, Window(SINCE, UNTIL)).service.weekly
    assert list(weekly["week"]) == [at(24, month=2), at(3), at(10), at(17), at(24)]
    week = weekly.set_index("week")
    assert week.loc[at(24, month=2), "deployment_frequency_per_day"] == 0  # 2 days, none
    assert week.loc[at(3), "deployments"] == 2
    assert week.loc[at(3), "deployment_frequency_per_day"] == pytest.approx(2 / 7)
    assert week.loc[at(3), "change_lead_time_h"] == pytest.approx(6.0)
    assert week.loc[at(3), "change_fail_rate"] == pytest.approx(0.5)
    assert pd.isna(week.loc[at(3), "failed_deployment_recovery_time_h"])  # s2: none after it
    assert week.loc[at(10), "change_fail_rate"] == pytest.approx(1.0)


def _signals(report: dict) -> dict[str, float | None]:
    system = report["systems"][0]
    return {
        signal["key"]: signal["value"]
        for lane in system["lanes"].values()
        for stage in lane["stages"].values()
        for signal in stage["signals"]
    }


def test_tandem_status_gives_the_same_values_for_code_and_model(engine: Engine) -> None:
    seed(engine)
    result = CliRunner().invoke(
        cli,
        ["status", "--system", "shop", "--since", SINCE.isoformat(), "--until",
         UNTIL.isoformat(), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    values = _signals(json.loads(result.stdout))
    for key, value in SERVICE.items():
        assert values[f"release.{key}"] == pytest.approx(value), key
    for key, value in MODEL.items():
        assert values[f"deploy.model_{key}"] == pytest.approx(value), key
    assert values["recover.time_to_restore_h"] == pytest.approx(RESTORE_H)


@pytest.mark.parametrize(
    ("key", "value", "level"),
    [
        ("deployment_frequency_per_day", 3.0, "elite"),
        ("deployment_frequency_per_day", 1.0, "high"),
        ("deployment_frequency_per_day", 1 / 7, "high"),
        ("deployment_frequency_per_day", 0.1, "medium"),
        ("deployment_frequency_per_day", 0.01, "low"),
        ("change_lead_time_h", 0.5, "elite"),
        ("change_lead_time_h", 24, "high"),
        ("change_lead_time_h", 200, "medium"),
        ("change_lead_time_h", 1000, "low"),
        # 2024 point values elite 5 %, high 20 %, medium 10 %, low 40 %: the nearest wins
        ("change_fail_rate", 0.05, "elite"),
        ("change_fail_rate", 0.08, "medium"),
        ("change_fail_rate", 0.15, "medium"),
        ("change_fail_rate", 0.25, "high"),
        ("change_fail_rate", 0.64, "low"),
        ("failed_deployment_recovery_time_h", 0.5, "elite"),
        ("failed_deployment_recovery_time_h", 1, "high"),
        ("failed_deployment_recovery_time_h", 23, "high"),
        ("failed_deployment_recovery_time_h", 100, "low"),
        ("deployment_rework_rate", 0.3, None),  # not banded by the 2024 clusters
        ("change_lead_time_h", None, None),
    ],
)
def test_dora_levels_follow_the_2024_clusters(key: str, value: float | None, level) -> None:
    assert dora_level(key, value) == level


def test_a_plain_service_has_no_model_metrics(engine: Engine) -> None:
    with session_scope(engine) as s:
        svc = System(name="svc")
        s.add(svc)
        s.flush()
        report = dora_report(s, svc.id, Window(SINCE, UNTIL))
    assert report.model is None
    assert report.service.deployment_frequency_per_day is None  # never deployed: unknown
    assert report.service.change_fail_rate is None
    assert report.service.failed_deployment_recovery_time_h is None
    assert report.service.deployment_rework_rate is None
