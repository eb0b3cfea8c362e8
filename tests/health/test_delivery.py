"""DORA for service and model releases: hand-computed values, levels, weekly trend.

The fixture's window is [2025-03-01, 2025-03-31): 30 days. ``tandem status``
must report the same values as the DORA section.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

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
    "frequency_per_day": 3 / 30,
    "lead_time_h": 10.0,
    "change_failure_rate": 3 / 5,
    "time_to_restore_h": 4.0,  # median of 1, 2, 6, 10
}
MODEL = {
    "frequency_per_day": 2 / 30,
    "lead_time_h": 32.0,  # median of 52 (m1: from r1's finish) and 12 (m3)
    "change_failure_rate": 2 / 3,
    "time_to_restore_h": 8.0,  # median of 6 (linked to m3) and 10 (data)
}


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
        "frequency_per_day": "medium",
        "lead_time_h": "elite",
        "change_failure_rate": "low",
        "time_to_restore_h": "high",
    }
    assert {k: report.model.level(k) for k in MODEL} == {
        "frequency_per_day": "medium",
        "lead_time_h": "high",
        "change_failure_rate": "low",
        "time_to_restore_h": "high",
    }


def test_weekly_trend_splits_by_iso_week(engine: Engine) -> None:
    sid = seed(engine)
    with session_scope(engine) as s:
        weekly = dora_report(s, sid, Window(SINCE, UNTIL)).service.weekly
    assert list(weekly["week"]) == [at(24, month=2), at(3), at(10), at(17), at(24)]
    week = weekly.set_index("week")
    assert week.loc[at(24, month=2), "frequency_per_day"] == 0  # 2 days in window, none
    assert week.loc[at(3), "deployments"] == 2
    assert week.loc[at(3), "frequency_per_day"] == pytest.approx(2 / 7)
    assert week.loc[at(3), "lead_time_h"] == pytest.approx(6.0)
    assert week.loc[at(3), "change_failure_rate"] == pytest.approx(0.5)
    assert week.loc[at(3), "time_to_restore_h"] == pytest.approx(2.0)
    assert week.loc[at(10), "change_failure_rate"] == pytest.approx(1.0)


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
    assert values["release.deploy_frequency_per_day"] == pytest.approx(SERVICE["frequency_per_day"])
    assert values["release.lead_time_h"] == pytest.approx(SERVICE["lead_time_h"])
    assert values["release.change_failure_rate"] == pytest.approx(SERVICE["change_failure_rate"])
    assert values["recover.time_to_restore_h"] == pytest.approx(SERVICE["time_to_restore_h"])
    assert values["deploy.model_deploy_frequency_per_day"] == pytest.approx(
        MODEL["frequency_per_day"]
    )
    assert values["deploy.model_lead_time_h"] == pytest.approx(MODEL["lead_time_h"])
    assert values["deploy.model_change_failure_rate"] == pytest.approx(MODEL["change_failure_rate"])


@pytest.mark.parametrize(
    ("key", "value", "level"),
    [
        ("frequency_per_day", 3.0, "elite"),
        ("frequency_per_day", 1.0, "high"),
        ("frequency_per_day", 1 / 7, "high"),
        ("frequency_per_day", 0.1, "medium"),
        ("frequency_per_day", 0.01, "low"),
        ("lead_time_h", 0.5, "elite"),
        ("lead_time_h", 24, "high"),
        ("lead_time_h", 200, "medium"),
        ("lead_time_h", 1000, "low"),
        ("change_failure_rate", 0.05, "elite"),
        ("change_failure_rate", 0.08, "high"),
        ("change_failure_rate", 0.15, "medium"),
        ("change_failure_rate", 0.64, "low"),
        ("time_to_restore_h", 0.5, "elite"),
        ("time_to_restore_h", 1, "high"),
        ("time_to_restore_h", 100, "medium"),
        ("time_to_restore_h", 1000, "low"),
        ("lead_time_h", None, None),
    ],
)
def test_dora_levels_follow_the_2023_bands(key: str, value: float | None, level) -> None:
    assert dora_level(key, value) == level


def test_a_plain_service_has_no_model_metrics(engine: Engine) -> None:
    with session_scope(engine) as s:
        svc = System(name="svc")
        s.add(svc)
        s.flush()
        report = dora_report(s, svc.id, Window(SINCE, UNTIL))
    assert report.model is None
    assert report.service.frequency_per_day is None  # never deployed: unknown, not 0
    assert report.service.change_failure_rate is None
