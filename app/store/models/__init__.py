"""Tandem's tables as typed SQLAlchemy 2 classes.

Every row that comes from a file has a natural key (a unique constraint) so
that re-ingesting the same file is an upsert that adds nothing. Rows are never
handed to pages: queries return frozen entities or DataFrames.
"""

from app.store.models.base import Base, BigId, System
from app.store.models.business_value import BusinessValue
from app.store.models.costs import Budget, BudgetChange, CostEntry
from app.store.models.devops import Deployment, HealthRollup, HealthSample, Incident, PipelineRun
from app.store.models.fairness import FairnessResult
from app.store.models.kpis import KpiPoint
from app.store.models.latency import HealthLatencyBucket, HealthRollupBucket
from app.store.models.multivariate import FeatureImportance, MultivariateDriftResult
from app.store.models.production import (
    DriftResult,
    PerformanceResult,
    ProductionWindow,
    QualityResult,
    WindowSummary,
)
from app.store.models.records import IngestRecord, SeedRecord, Threshold, ThresholdChange
from app.store.models.runs import (
    DatasetVersion,
    MetricPoint,
    ModelVersion,
    RunMetric,
    RunParam,
    RunTag,
    TrainingRun,
)
from app.store.models.slos import Slo, SloChange

__all__ = [
    "Base",
    "BigId",
    "Budget",
    "BudgetChange",
    "BusinessValue",
    "CostEntry",
    "DatasetVersion",
    "Deployment",
    "DriftResult",
    "FairnessResult",
    "FeatureImportance",
    "HealthLatencyBucket",
    "HealthRollup",
    "HealthRollupBucket",
    "HealthSample",
    "Incident",
    "IngestRecord",
    "KpiPoint",
    "MetricPoint",
    "ModelVersion",
    "MultivariateDriftResult",
    "PerformanceResult",
    "PipelineRun",
    "ProductionWindow",
    "QualityResult",
    "RunMetric",
    "RunParam",
    "RunTag",
    "SeedRecord",
    "Slo",
    "SloChange",
    "System",
    "Threshold",
    "ThresholdChange",
    "TrainingRun",
    "WindowSummary",
]
