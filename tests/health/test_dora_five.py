"""DORA's five metrics on a fixture of their own, loaded through ``tandem ingest``'s path.

System ``ledger``, window [Mon 2025-06-02, Mon 2025-06-16): 14 days. The
deployments file uses the optional ``unplanned`` and ``incident_id`` columns
(hotfixes and a redeploy after a rollback); every expected value is worked out
in the comments next to it, for service and for model deployments. The same
numbers must come out of the DORA section (``dora_report``) and out of
``tandem status`` (``build_status``), under the new keys and the old aliases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.health import build_status
from app.health.delivery import dora_report
from app.health.window import Window
from app.ingest import IngestError
from app.ingest.importers import ingest_file
from app.store.db import session_scope
from app.store.models import Deployment, System

SINCE = datetime(2025, 6, 2, tzinfo=UTC)
UNTIL = datetime(2025, 6, 16, tzinfo=UTC)
DAYS = 14

HEADER = (
    "system,deployment_id,kind,committed_at,deployed_at,environment,status,model_version,"
    "unplanned,incident_id,version,commit_sha"
)
DEPLOYMENTS = """\
ledger,a0,service,2025-05-29T10:00:00Z,2025-05-30T10:00:00Z,production,failed,,,
ledger,a1,service,2025-06-01T21:00:00Z,2025-06-02T09:00:00Z,production,success,,,
ledger,a2,service,2025-06-03T06:00:00Z,2025-06-03T10:00:00Z,production,failed,,,
ledger,a3,service,2025-06-03T13:00:00Z,2025-06-03T14:00:00Z,production,success,,true,INC-7
ledger,x1,service,2025-06-04T01:00:00Z,2025-06-04T02:00:00Z,staging,success,,true,
ledger,a4,service,2025-06-04T16:00:00Z,2025-06-05T16:00:00Z,production,success,,false,
ledger,a5,service,2025-06-06T06:00:00Z,2025-06-06T08:00:00Z,production,success,,,INC-8
ledger,a6,service,2025-06-10T00:00:00Z,2025-06-10T12:00:00Z,production,rolled_back,,,
ledger,a7,service,,2025-06-10T12:30:00Z,production,success,,true,
ledger,a8,service,2025-06-11T09:00:00Z,2025-06-12T09:00:00Z,production,success,,,
ledger,a9,service,2025-06-15T10:00:00Z,2025-06-15T20:00:00Z,production,failed,,,
ledger,b1,model,2025-06-03T10:00:00Z,2025-06-04T10:00:00Z,production,success,2,,
ledger,b2,model,2025-06-07T10:00:00Z,2025-06-09T10:00:00Z,production,success,3,,
ledger,b3,model,2025-06-03T10:00:00Z,2025-06-09T18:00:00Z,production,success,2,true,INC-10
ledger,b5,model,2025-06-12T09:00:00Z,2025-06-12T09:30:00Z,staging,success,4,,
ledger,b4,model,2025-06-12T10:00:00Z,2025-06-13T10:00:00Z,production,failed,4,,
"""
INCIDENTS = """\
system,incident_id,severity,opened_at,resolved_at,deployment_id,cause,title
ledger,INC-7,sev3,2025-06-03T10:30:00Z,2025-06-03T14:10:00Z,a2,code,5xx after a2
ledger,INC-8,sev2,2025-06-05T18:00:00Z,2025-06-06T08:30:00Z,a4,code,totals wrong after a4
ledger,INC-9,sev3,2025-06-10T12:10:00Z,2025-06-10T12:40:00Z,,code,rollback of a6
ledger,INC-10,sev2,2025-06-09T12:00:00Z,2025-06-09T18:30:00Z,b2,model,v3 scores off
"""

# Service: production deployments in the window are a1..a9 (a0 is before it, x1 is staging).
SERVICE = {
    # successes a1, a3, a4, a5, a7, a8: 6 over 14 days
    "deployment_frequency_per_day": 6 / DAYS,
    # leads of the successes: a1 12 h, a3 1 h, a4 24 h, a5 2 h, a8 24 h (a7 has no commit time);
    # median of (1, 2, 12, 24, 24) = 12
    "change_lead_time_h": 12.0,
    # change failures: a2 failed, a4 caused INC-8, a6 rolled back, a9 failed: 4 of 9
    "change_fail_rate": 4 / 9,
    # a2 10:00 -> a3 14:00 = 4 h; a4 Jun 5 16:00 -> a5 Jun 6 08:00 = 16 h;
    # a6 12:00 -> a7 12:30 = 0.5 h; a9 has no success after it (not recovered, left out).
    # median of (0.5, 4, 16) = 4
    "failed_deployment_recovery_time_h": 4.0,
    # unplanned: a3 (true), a5 (incident_id alone makes it unplanned), a7 (true): 3 of 9;
    # x1 is unplanned but staging; a4 says false.
    "deployment_rework_rate": 3 / 9,
}
# Model: production deployments in the window are b1..b4 (b5 is staging).
MODEL = {
    # successes b1, b2, b3: 3 over 14 days
    "deployment_frequency_per_day": 3 / DAYS,
    # b1 24 h, b2 48 h, b3 (v2 again, its run finished Jun 3 10:00) 6 d 8 h = 152 h; median 48
    "change_lead_time_h": 48.0,
    # change failures: b2 caused INC-10, b4 failed: 2 of 4
    "change_fail_rate": 2 / 4,
    # b2 Jun 9 10:00 -> b3 Jun 9 18:00 = 8 h; b4 is not recovered in the window
    "failed_deployment_recovery_time_h": 8.0,
    # unplanned: b3: 1 of 4
    "deployment_rework_rate": 1 / 4,
}
# Incident time to restore stays the Recover stage's signal, over every incident resolved:
# INC-7 3 h 40 min, INC-8 14.5 h, INC-9 0.5 h, INC-10 6.5 h; median = (11/3 + 6.5) / 2
RESTORE_H = (11 / 3 + 6.5) / 2

OLD_KEYS = {
    "release.deploy_frequency_per_day": SERVICE["deployment_frequency_per_day"],
    "release.lead_time_h": SERVICE["change_lead_time_h"],
    "release.change_failure_rate": SERVICE["change_fail_rate"],
    "deploy.model_deploy_frequency_per_day": MODEL["deployment_frequency_per_day"],
    "deploy.model_lead_time_h": MODEL["change_lead_time_h"],
    "deploy.model_change_failure_rate": MODEL["change_fail_rate"],
}


def _csv(rows: list[str]) -> str:
    """The deployments file: ``rows`` with empty ``version`` and ``commit_sha``."""
    return "\n".join([HEADER, *(f"{row},," for row in rows)]) + "\n"


def load(engine: Engine, tmp_path: Path) -> int:
    (tmp_path / "deployments.csv").write_text(_csv(DEPLOYMENTS.splitlines()))
    (tmp_path / "incidents.csv").write_text(INCIDENTS)
    ingest_file("deployments", tmp_path / "deployments.csv", engine=engine)
    ingest_file("incidents", tmp_path / "incidents.csv", engine=engine)
    with session_scope(engine) as s:
        return int(s.scalar(select(System.id).where(System.name == "ledger")))


def test_the_five_metrics_match_hand_computed_values(engine: Engine, tmp_path: Path) -> None:
    sid = load(engine, tmp_path)
    with session_scope(engine) as s:
        report = dora_report(s, sid, Window(SINCE, UNTIL))
    assert report.model is not None
    assert {k: report.service.value(k) for k in SERVICE} == pytest.approx(SERVICE)
    assert {k: report.model.value(k) for k in MODEL} == pytest.approx(MODEL)
    # 2024 clusters: 0.43/day >= 1/7 high; 12 h < 1 day elite; 44 % nearest 40 % low;
    # 4 h < 1 day high; rework is not banded.
    assert [report.service.level(k) for k in SERVICE] == ["high", "elite", "low", "high", None]
    # 0.21/day high; 48 h within a week high; 50 % low; 8 h high.
    assert [report.model.level(k) for k in MODEL] == ["high", "high", "low", "high", None]


def test_status_reports_the_same_values_under_new_and_old_keys(
    engine: Engine, tmp_path: Path
) -> None:
    load(engine, tmp_path)
    ledger = build_status(engine, system="ledger", since=SINCE, until=UNTIL).system("ledger")
    for key, value in SERVICE.items():
        assert ledger.signal(f"release.{key}").value == pytest.approx(value), key
    for key, value in MODEL.items():
        assert ledger.signal(f"deploy.model_{key}").value == pytest.approx(value), key
    assert ledger.signal("recover.time_to_restore_h").value == pytest.approx(RESTORE_H)
    for old, value in OLD_KEYS.items():  # aliases for one release
        assert ledger.signal(old).value == pytest.approx(value), old
    # rework 3/9 > 0.25 critical; the model's 1/4 is below its warn bound of 0.25 (not above)
    assert ledger.signal("release.deployment_rework_rate").status == "critical"
    assert ledger.signal("deploy.model_deployment_rework_rate").status == "ok"


def test_ingest_stores_unplanned_and_the_incident_answered(engine: Engine, tmp_path: Path) -> None:
    load(engine, tmp_path)
    with session_scope(engine) as s:
        rows = {
            d.deployment_id: (d.unplanned, d.incident_id)
            for d in s.scalars(select(Deployment)).all()
        }
    assert rows["a3"] == (True, "INC-7")
    assert rows["a5"] == (True, "INC-8")  # an incident answered makes it unplanned
    assert rows["a7"] == (True, None)
    assert rows["a4"] == (False, None)
    assert rows["a1"] == (False, None)  # empty means planned


@pytest.mark.parametrize(
    ("unplanned", "incident", "expected"),
    [
        ("false", "INC-7", "true or empty when incident_id is given"),
        ("yes", "", "one of true, false"),
    ],
)
def test_ingest_refuses_a_bad_unplanned_value(
    tmp_path: Path, unplanned: str, incident: str, expected: str
) -> None:
    path = tmp_path / "deployments.csv"
    path.write_text(
        _csv(
            [
                "ledger,a1,service,,2025-06-02T09:00:00Z,production,success,,,",
                f"ledger,a2,service,,2025-06-02T10:00:00Z,production,success,,{unplanned},{incident}",
            ]
        )
    )
    with pytest.raises(IngestError) as error:
        ingest_file("deployments", path, engine=None)
    assert (error.value.row, error.value.column) == (2, "unplanned")
    assert expected in str(error.value)
