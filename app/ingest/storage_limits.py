"""How long a text and how large an integer each ingested value may be: its database column's.

:mod:`app.ingest.formats` gives each column of a format the limits of the
column it is stored in (its table's, or another table's for the names of
open-ended columns), so the store's schema is their one definition.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.sql.elements import KeyedColumnElement

from app.store.models import (
    Base,
    CostEntry,
    DatasetVersion,
    Deployment,
    DriftResult,
    FairnessResult,
    HealthSample,
    Incident,
    KpiPoint,
    MetricPoint,
    ModelVersion,
    PerformanceResult,
    PipelineRun,
    ProductionWindow,
    QualityResult,
    RunMetric,
    RunParam,
    RunTag,
    System,
    TrainingRun,
)

INT64_MAX = 2**63 - 1

# Where each kind's columns are stored: the table of its rows, and the tables
# the names of its open-ended columns go to.
_TABLES: dict[str, type[Base]] = {
    "pipelines": PipelineRun,
    "deployments": Deployment,
    "incidents": Incident,
    "health": HealthSample,
    "datasets": DatasetVersion,
    "runs": TrainingRun,
    "metrics": MetricPoint,
    "models": ModelVersion,
    "costs": CostEntry,
    "kpis": KpiPoint,
    "production": ProductionWindow,
}
_ELSEWHERE = {("metrics", "run_id"): TrainingRun.__table__.c.run_id}
_PREFIX_KEYS = {
    "param.": RunParam.__table__.c.key,
    "tag.": RunTag.__table__.c.key,
    "metric.": RunMetric.__table__.c.key,
    "segment.": QualityResult.__table__.c.column,
    "sensitive.": FairnessResult.__table__.c.attribute,
}
# A production feature's name is stored as the column of its drift and quality results.
_FEATURE_NAMES = (DriftResult.__table__.c.column, QualityResult.__table__.c.column)


def _length(stored: KeyedColumnElement[Any] | None) -> int | None:
    return stored.type.length if stored is not None and isinstance(stored.type, String) else None


def _integer_max(stored: KeyedColumnElement[Any] | None) -> int | None:
    """The largest value of the column's SQL integer type (PostgreSQL's sizes)."""
    if stored is None:
        return None
    if isinstance(stored.type, BigInteger):
        return INT64_MAX
    if isinstance(stored.type, Integer):
        return 2**31 - 1
    return None


def column_limits(kind: str, name: str, integer: bool) -> tuple[int | None, int | None]:
    """(most characters, largest integer) of ``kind``'s column ``name``; None = no limit.

    ``integer``: the column holds integers (unbounded by its table: a 64-bit one).
    """
    if name == "system":
        stored: KeyedColumnElement[Any] | None = System.__table__.c.name
    else:
        stored = _ELSEWHERE.get((kind, name))
        table = _TABLES[kind].__table__
        if stored is None and name in table.c:
            stored = table.c[name]
    integer_max = _integer_max(stored) if integer else None
    if integer and integer_max is None:
        integer_max = INT64_MAX
    return _length(stored), integer_max


def prefix_name_length(prefix: str) -> int | None:
    """The most characters of a ``<prefix><name>`` column's name (None: no limit)."""
    return _length(_PREFIX_KEYS.get(prefix))


def feature_name_length() -> int:
    """The most characters of a production feature's name."""
    return min(_length(c) or 0 for c in _FEATURE_NAMES)


# A segment's results are stored under the key ``<name>=<value>``, at most this long.
SEGMENT_KEY_LENGTH: int = _length(PerformanceResult.__table__.c.segment) or 0
# A sensitive column's groups are stored as text of at most this length.
SENSITIVE_GROUP_LENGTH: int = _length(FairnessResult.__table__.c.group_value) or 0
