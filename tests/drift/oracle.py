"""Evidently itself, as the oracle: ``DataDriftPreset`` on a new-API ``Report``.

Returns the same shape as ``DriftReport.to_dict()`` so tests compare column by
column. Per-column values come from the preset's ``ValueDrift`` metrics and
their tests (FAIL = drifted); dataset values from ``DriftedColumnsCount`` and
its ``lt(drift_share)`` test (FAIL = dataset drift).

Evidently's widgets (Plotly figures, ~90% of its run time) are not built here:
rendering happens after each statistic is computed and never feeds back into
it, and skipping it keeps the drift tests inside their time budget.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any
from unittest.mock import patch

import pandas as pd

from app.drift.methods import BY_DISPLAY_NAME

REL, ABS = 1e-6, 1e-12
KINDS = {"num": "numerical", "cat": "categorical", "text": "text"}


def evidently_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    column_kinds: Mapping[str, str] | None = None,
    method: str | None = None,
    threshold: float | None = None,
    per_column_method: dict[str, str] | None = None,
    per_column_threshold: dict[str, float] | None = None,
    drift_share: float = 0.5,
) -> dict[str, Any]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.core.datasets import infer_column_type
    from evidently.metrics.column_statistics import ValueDriftCalculation
    from evidently.presets import DataDriftPreset

    numerical = categorical = None
    if column_kinds:
        # A DataDefinition that names numerical/categorical columns names all of
        # them: Evidently infers nothing else, so fill in its own inference.
        kinds = {c: KINDS.get(infer_column_type(current[c]).value) for c in current.columns}
        kinds.update(column_kinds)
        numerical = [c for c, k in kinds.items() if k == "numerical"]
        categorical = [c for c, k in kinds.items() if k == "categorical"]

    def dataset(frame: pd.DataFrame) -> Dataset:
        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        return Dataset.from_pandas(frame, data_definition=definition)

    preset = DataDriftPreset(
        method=method,
        threshold=threshold,
        per_column_method=per_column_method,
        per_column_threshold=per_column_threshold,
        drift_share=drift_share,
    )
    with (
        warnings.catch_warnings(),
        patch.object(ValueDriftCalculation, "_render", lambda *args, **kwargs: []),
        patch.object(DataDriftPreset, "render", lambda *args, **kwargs: []),
    ):
        warnings.simplefilter("ignore")
        cur = dataset(current)
        snapshot = Report([preset], include_tests=True).run(cur, dataset(reference))
        result = snapshot.dict()

    columns: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            name = config["column"]
            columns[name] = {
                "column": name,
                "kind": KINDS[cur.data_definition.get_column_type(name).value],
                "method": BY_DISPLAY_NAME.get(config["method"], config["method"]),
                "score": float(metric["value"]),
                "threshold": config["threshold"],
            }
        elif config["type"].endswith("DriftedColumnsCount"):
            out["drifted_columns"] = int(metric["value"]["count"])
            out["drift_share"] = float(metric["value"]["share"])
    for test in result["tests"]:
        failed = getattr(test["status"], "value", test["status"]) == "FAIL"
        if test["id"] == "drift":
            columns[test["name"].removeprefix("Value Drift for column ")]["drifted"] = failed
        else:
            out["dataset_drift"] = failed
    out["total_columns"] = len(columns)
    out["columns"] = list(columns.values())
    return out


def close(ours: float, theirs: float, abs_tol: float = ABS) -> bool:
    """Scores agree to 1e-6 relative, or 1e-12 absolute near zero."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=abs_tol)


def assert_same(ours: dict[str, Any], theirs: dict[str, Any], *, dataset: bool = True) -> None:
    """Same columns, kinds, methods, thresholds and decisions; scores within tolerance."""
    by_name = {c["column"]: c for c in ours["columns"]}
    assert sorted(by_name) == sorted(c["column"] for c in theirs["columns"])
    for expected in theirs["columns"]:
        got = by_name[expected["column"]]
        label = f"{expected['column']}: ours {got} vs Evidently {expected}"
        assert got["kind"] == expected["kind"], label
        assert got["method"] == expected["method"], label
        assert got["threshold"] == expected["threshold"], label
        assert got["drifted"] == expected["drifted"], label
        assert close(got["score"], expected["score"]), label
    if dataset:
        for key in ("dataset_drift", "drifted_columns", "total_columns"):
            assert ours[key] == theirs[key], key
        assert close(ours["drift_share"], theirs["drift_share"])
