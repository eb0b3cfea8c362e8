"""A small hand-made world whose every signal value is computed by hand below.

Window: [2025-03-01, 2025-03-31). System ``shop`` has a service and a model,
``svc`` only a service, ``empty`` nothing at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.store.db import session_scope
from app.store.models import (
    Deployment,
    DriftResult,
    FairnessResult,
    HealthSample,
    Incident,
    ModelVersion,
    MultivariateDriftResult,
    PerformanceResult,
    PipelineRun,
    ProductionWindow,
    QualityResult,
    RunMetric,
    System,
    TrainingRun,
)

SINCE = datetime(2025, 3, 1, tzinfo=UTC)
UNTIL = datetime(2025, 3, 31, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def seed(engine: Engine) -> None:
    with session_scope(engine) as s:
        shop, svc, empty = System(name="shop"), System(name="svc"), System(name="empty")
        s.add_all([shop, svc, empty])
        s.flush()
        _devops(s, shop.id)
        _mlops(s, shop.id)
        s.add(HealthSample(system_id=svc.id, timestamp=at(3, 5), requests=100, errors=0))


def _pipeline(sid: int, pid: str, start: datetime, minutes: float, status: str) -> PipelineRun:
    end = start + timedelta(minutes=minutes)
    return PipelineRun(
        system_id=sid, pipeline_id=pid, started_at=start, finished_at=end, status=status
    )


def _deploy(
    system_id: int,
    did: str,
    deployed: datetime,
    status: str = "success",
    lead_h: float | None = None,
    kind: str = "service",
    environment: str = "production",
    model_version: int | None = None,
) -> Deployment:
    committed = None if lead_h is None else deployed - timedelta(hours=lead_h)
    return Deployment(
        system_id=system_id,
        deployment_id=did,
        kind=kind,
        committed_at=committed,
        deployed_at=deployed,
        environment=environment,
        status=status,
        model_version=model_version,
    )


def _incident(
    system_id: int, iid: str, opened: datetime, resolved: datetime | None, dep: str | None = None
) -> Incident:
    return Incident(
        system_id=system_id,
        incident_id=iid,
        severity="sev2",
        opened_at=opened,
        resolved_at=resolved,
        deployment_id=dep,
        cause="deploy" if dep else "other",
    )


def _devops(s: Session, sid: int) -> None:
    # CI: in window 2 success (10, 20 min) + 1 failed (30 min); cancelled and old runs excluded.
    s.add_all(
        [
            _pipeline(sid, "p1", at(3, 2), 10, "success"),
            _pipeline(sid, "p2", at(3, 3), 20, "success"),
            _pipeline(sid, "p3", at(3, 4), 30, "failed"),
            _pipeline(sid, "p4", at(3, 5), 99, "cancelled"),
            _pipeline(sid, "p5", at(2, 20), 99, "failed"),
        ]
    )
    # Service deployments: successes d1 (12 h), d2 (24 h, caused i1), d5 (48 h);
    # d3 failed, d4 rolled back. Staging, old and model deployments don't count.
    s.add_all(
        [
            _deploy(sid, "d1", at(3, 10, 12), lead_h=12),
            _deploy(sid, "d2", at(3, 15), lead_h=24),
            _deploy(sid, "d3", at(3, 20), "failed", lead_h=2),
            _deploy(sid, "d4", at(3, 21), "rolled_back", lead_h=3),
            _deploy(sid, "d5", at(3, 25), lead_h=48),
            _deploy(sid, "d6", at(3, 26), lead_h=1, environment="staging"),
            _deploy(sid, "d7", at(2, 1), lead_h=1),
        ]
    )
    # Incidents: resolved in window after 2 h, 24 h, 10 h; i3 open, i4 resolved after until.
    s.add_all(
        [
            _incident(sid, "i1", at(3, 15, 1), at(3, 15, 3), dep="d2"),
            _incident(sid, "i2", at(3, 20), at(3, 21)),
            _incident(sid, "i3", at(3, 28), None),
            _incident(sid, "i4", at(3, 29), at(4, 2)),
            _incident(sid, "i5", at(2, 10), at(2, 11)),
            _incident(sid, "i6", at(3, 25), at(3, 25, 10)),
        ]
    )
    # Health: the Mar 2 sample is in the window but not in the 28-day budget period.
    s.add_all(
        [
            HealthSample(system_id=sid, timestamp=at(2, 1), requests=100, errors=50),
            HealthSample(
                system_id=sid, timestamp=at(3, 2), requests=1000, errors=1, latency_p95_ms=100.0
            ),
            HealthSample(
                system_id=sid, timestamp=at(3, 10), requests=3000, errors=2, latency_p95_ms=200.0
            ),
            HealthSample(system_id=sid, timestamp=at(3, 11), requests=0, errors=0),
        ]
    )


def _run(sid: int, run_id: str, start: datetime, end: datetime | None, status: str) -> TrainingRun:
    return TrainingRun(
        system_id=sid, run_id=run_id, experiment="churn", started_at=start, finished_at=end,
        status=status,
    )  # fmt: skip


def _window(
    sid: int, start: datetime, newest: datetime, labelled: int, reference: bool = False
) -> ProductionWindow:
    return ProductionWindow(
        system_id=sid, model_version=2, is_reference=reference, window_start=start,
        window_end=start + timedelta(days=1), newest_row_at=newest, rows=100,
        labelled_rows=labelled, path="x.parquet", content_hash="h", feature_columns=["a", "b"],
        segment_columns=["region"],
    )  # fmt: skip


def _mlops(s: Session, sid: int) -> None:
    champion_run = _run(sid, "r1", at(3, 5), at(3, 5, 2), "FINISHED")
    champion_run.metrics = [
        RunMetric(key="train_auc", value=0.9),
        RunMetric(key="test_auc", value=0.81),
        RunMetric(key="train_accuracy", value=0.99),
        RunMetric(key="test_accuracy", value=0.5),
    ]
    s.add_all(
        [
            champion_run,
            _run(sid, "r2", at(3, 10), at(3, 10, 1), "FAILED"),
            _run(sid, "r3", at(3, 12), None, "KILLED"),
            _run(sid, "r4", at(3, 20), at(3, 21), "FINISHED"),
            _run(sid, "r5", at(3, 29), None, "RUNNING"),
            _run(sid, "r6", at(2, 1), at(2, 1, 1), "FINISHED"),
        ]
    )
    s.add_all(
        [
            ModelVersion(system_id=sid, model_name="churn", version=1, run_id="r6",
                         registered_at=at(2, 2), alias="archived", validation_metric="auc",
                         validation_value=0.7),
            ModelVersion(system_id=sid, model_name="churn", version=2, run_id="r1",
                         registered_at=at(3, 5, 3), alias="champion", validation_metric="auc",
                         validation_value=0.8),
        ]
    )  # fmt: skip
    # Model deployments: m1 (lead from run r1's finish: 24 h), m3 (48 h); m2 failed.
    s.add_all(
        [
            _deploy(sid, "m1", at(3, 6, 2), kind="model", model_version=2),
            _deploy(sid, "m2", at(3, 7), "failed", lead_h=20, kind="model", model_version=2),
            _deploy(sid, "m3", at(3, 26), lead_h=48, kind="model", model_version=2),
        ]
    )
    w1 = _window(sid, at(3, 10), at(3, 10, 23), labelled=100)
    w2 = _window(sid, at(3, 20), at(3, 20, 23), labelled=100)
    w3 = _window(sid, at(3, 29), at(3, 29, 12), labelled=0)
    ref = _window(sid, at(3, 1), at(3, 30, 12), labelled=100, reference=True)
    s.add_all([w1, w2, w3, ref])
    s.flush()

    def quality(w: ProductionWindow, column: str, check: str, value: float) -> QualityResult:
        return QualityResult(window_id=w.id, column=column, check=check, value=value)

    s.add_all(
        [
            quality(w1, "", "missing_share", 0.01),
            quality(w1, "", "out_of_range_share", 0.10),
            quality(w1, "", "schema_violations", 0),
            quality(w2, "", "missing_share", 0.03),
            quality(w2, "", "out_of_range_share", 0.02),
            quality(w2, "", "schema_violations", 1),
            quality(w2, "a", "missing_share", 0.9),
            quality(ref, "", "missing_share", 0.5),
        ]
    )

    def perf(
        w: ProductionWindow,
        value: float,
        segment: str = "",
        metric: str = "roc_auc",
        est: bool = False,
    ) -> PerformanceResult:
        return PerformanceResult(
            window_id=w.id, metric=metric, segment=segment, value=value, rows=50, estimated=est
        )

    s.add_all(
        [
            perf(w1, 0.76),
            perf(w2, 0.72),
            perf(w2, 0.80, segment="region=a"),
            perf(w2, 0.63, segment="region=b"),
            perf(w2, 0.10, metric="accuracy"),
            perf(w3, 0.50, est=True),
        ]
    )

    def fair(
        w: ProductionWindow, attribute: str, metric: str, value: float, group: str = ""
    ) -> FairnessResult:
        return FairnessResult(
            window_id=w.id, attribute=attribute, group_value=group, metric=metric, value=value,
            rows=50,
        )  # fmt: skip

    # monitor.fairness_gap reads w2 (latest labelled): the larger gap of its two attributes.
    s.add_all(
        [
            fair(w1, "age", "equalized_odds_difference", 0.30),
            fair(w2, "age", "equalized_odds_difference", 0.12),
            fair(w2, "sex", "equalized_odds_difference", 0.20),
            fair(w2, "sex", "demographic_parity_difference", 0.50),  # not the gap
            fair(w2, "sex", "true_positive_rate", 0.90, group="f"),  # a group's, not the gap
            fair(w3, "age", "equalized_odds_difference", 0.90),  # no labels: not read
        ]
    )

    def drift(w: ProductionWindow, column: str, drifted: bool) -> DriftResult:
        return DriftResult(
            window_id=w.id, reference_window_id=ref.id, column=column, kind="numerical",
            method="ks", score=0.01 if drifted else 0.5, threshold=0.05, drifted=drifted,
        )  # fmt: skip

    # w1: 2 of 4 features drift (alert: 0.5 >= 0.3); w2: 1 of 4 and the prediction.
    s.add_all(
        [drift(w1, c, c in "ab") for c in "abcd"]
        + [drift(w1, "prediction", False)]
        + [drift(w2, c, c == "a") for c in "abcd"]
        + [drift(w2, "prediction", True)]
    )

    def joint(w: ProductionWindow, method: str, value: float) -> MultivariateDriftResult:
        return MultivariateDriftResult(
            window_id=w.id, reference_window_id=ref.id, method=method, value=value,
            lower=None, upper=0.65, rows=100,
        )  # fmt: skip

    # monitor.multivariate_drift reads the latest window's domain classifier AUC (w2's).
    s.add_all(
        [
            joint(w1, "domain_classifier", 0.81),
            joint(w2, "domain_classifier", 0.58),
            joint(w2, "pca_reconstruction", 3.0),  # not the signal
        ]
    )
