"""Everything a Spark ingest measures, before it writes anything: one plan, one job's results.

What is measured is what the local pipeline measures
(:mod:`app.production.writer`, :mod:`app.production.drift`):

* each window written: quality against its own version's reference
  (:func:`app.spark.quality.window_checks`) and performance (measured, per
  segment; estimated with the version's calibrator for production windows);
* drift and the reference-based quality checks of each production window
  against its resolved reference (own version's, else the newest older one):
  the windows written, and, when a reference is written, the stored windows
  that now resolve to it.

Windows are named by a :data:`Target`: the key text of a window this ingest
writes (it has no id yet), or the id of a stored one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from app.production.dle import Nanny
from app.production.estimation_multiclass import MulticlassCalibrator
from app.production.quality import Check
from app.production.tasks import BINARY_TASK, MULTICLASS, REGRESSION_TASK, Task
from app.production.windows import PREDICTION
from app.spark import dle, multiclass, performance, quality, summaries
from app.spark.driver_frames import driver_frame
from app.spark.lake import LakeRows
from app.spark.stored import StoredWindow, window_rows
from app.spark.tasks import version_task, window_tasks
from app.spark.window_drift import windows_drift
from app.spark.windows import LakeWindow, key_text, rows_of

logger = logging.getLogger(__name__)

Target = str | int  # a new window's key text, or a stored window's id


@dataclass
class Measures:
    """The job's results, keyed by :data:`Target`."""

    quality: dict[Target, list[Check]] = field(default_factory=dict)
    # (metric, segment, value, rows, estimated[, lower, upper]): performance_results rows
    performance: dict[Target, list[tuple[Any, ...]]] = field(default_factory=dict)
    drift: dict[Target, list[dict[str, Any]]] = field(default_factory=dict)
    reference_checks: dict[Target, list[Check]] = field(default_factory=dict)
    reference_of: dict[Target, Target] = field(default_factory=dict)
    columns: dict[Target, summaries.Summaries] = field(default_factory=dict)  # column counts
    outcomes: dict[Target, summaries.Summaries] = field(default_factory=dict)  # confusion etc.
    # rows on the driver (bounded) for the measures fitted there: multivariate, fairness
    frames: dict[Target, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What to measure: the location's changed windows, and the store as it was read."""

    lake: LakeRows
    changed: Sequence[LakeWindow]
    stored: Sequence[StoredWindow]
    tasks: Mapping[int, str]
    reference: bool
    data_dir: Path


def measure(spark: SparkSession, plan: Plan) -> Measures:
    """Run the job: every result of the plan, computed on Spark (see the module docstring)."""
    result = Measures()
    if not plan.changed:
        return result
    rows = rows_of(plan.lake.frame, plan.changed, reference=plan.reference).persist()
    try:
        _own_measures(spark, plan, rows, result)
        _drift_measures(spark, plan, rows, result)
        _driver_frames(spark, plan, rows, result)
    finally:
        rows.unpersist()
    return result


def _stored_reference(plan: Plan, version: int) -> StoredWindow | None:
    return next((w for w in plan.stored if w.is_reference and w.model_version == version), None)


def _own_measures(spark: SparkSession, plan: Plan, rows: DataFrame, result: Measures) -> None:
    """Quality against the own version's reference, and performance, of each written window.

    Performance follows :mod:`app.production.performance_refresh`: the
    version's task (its ``models`` row, its reference), else the window's own;
    a binary version's windows estimated with the calibrator of its reference
    (CBPE), a regression version's with the nannies fitted on it (DLE).
    """
    features = plan.lake.features
    versions = {key_text(w.model_version, w.day): w.model_version for w in plan.changed}
    profiles: dict[int, Mapping[str, quality.SparkProfile] | None] = {}
    version_tasks: dict[int, Task | None] = {}
    calibrators: dict[str, performance.Calibrator] = {}
    multiclass_estimators: dict[str, MulticlassCalibrator] = {}
    nannies: dict[str, Nanny] = {}
    for version in sorted(set(versions.values())):
        declared = plan.tasks.get(version)
        if plan.reference:
            own = rows.where(F.col("model_version") == version)
            profiles[version] = quality.profile(own, features)
            version_tasks[version] = version_task(declared, own)
            continue
        stored = _stored_reference(plan, version)
        if stored is None:
            profiles[version] = None
            version_tasks[version] = version_task(declared, None)
            continue
        reference = window_rows(spark, stored, plan.data_dir).frame
        profiles[version] = quality.profile(reference, stored.feature_columns)
        version_tasks[version] = version_task(declared, reference)
        if version_tasks[version] == REGRESSION_TASK:
            fitted_nanny = dle.nanny(reference, stored.feature_columns)
            if fitted_nanny is not None:
                nannies |= {k: fitted_nanny for k, v in versions.items() if v == version}
        if version_tasks[version] == BINARY_TASK:
            fitted = performance.calibrator(reference)
            if fitted is not None:
                calibrators |= {k: fitted for k, v in versions.items() if v == version}
        multiclass_estimators |= _multiclass_estimators(
            reference, version_tasks[version], [k for k, v in versions.items() if v == version]
        )
    tasks = window_tasks(rows, versions, version_tasks, plan.tasks)
    result.quality.update(quality.window_checks(rows, features, profiles, versions).items())
    result.performance.update(performance.measured(rows, plan.lake.segments, tasks).items())
    result.outcomes.update(summaries.performance_summaries(rows).items())
    sizes = {key_text(w.model_version, w.day): w.rows for w in plan.changed}
    for key, found in performance.estimated(rows, calibrators, sizes).items():
        result.performance.setdefault(key, []).extend(found)
    for key, banded in multiclass.estimated(rows, multiclass_estimators, sizes).items():
        result.performance.setdefault(key, []).extend(banded)
    for key, banded in dle.estimated(rows, nannies).items():
        result.performance.setdefault(key, []).extend(banded)
    if plan.reference:
        _rescore_stored(spark, plan, rows, version_tasks, result)


def _rescore_stored(
    spark: SparkSession,
    plan: Plan,
    rows: DataFrame,
    version_tasks: Mapping[int, Task | None],
    result: Measures,
) -> None:
    """A reference written after its version's windows: their performance again, with the
    version's task and estimators from the new reference (as ``performance_refresh``)."""
    new = {w.model_version for w in plan.changed}
    old = [w for w in plan.stored if not w.is_reference and w.model_version in new]
    if not old:
        return
    frames = [window_rows(spark, w, plan.data_dir) for w in old]
    union: DataFrame | None = None
    for window, lake in zip(old, frames, strict=True):
        keyed = lake.frame.withColumn("_window", F.lit(str(window.id)))
        union = keyed if union is None else union.unionByName(keyed, allowMissingColumns=True)
    assert union is not None
    versions = {str(w.id): w.model_version for w in old}
    calibrators: dict[str, performance.Calibrator] = {}
    multiclass_estimators: dict[str, MulticlassCalibrator] = {}
    nannies: dict[str, Nanny] = {}
    for version in new:
        reference = rows.where(F.col("model_version") == version)
        mine = [k for k, v in versions.items() if v == version]
        if version_tasks.get(version) == REGRESSION_TASK:
            fitted_nanny = dle.nanny(reference, plan.lake.features)
            if fitted_nanny is not None:
                nannies |= dict.fromkeys(mine, fitted_nanny)
        if version_tasks.get(version) == BINARY_TASK:
            fitted = performance.calibrator(reference)
            if fitted is not None:
                calibrators |= dict.fromkeys(mine, fitted)
        multiclass_estimators |= _multiclass_estimators(reference, version_tasks.get(version), mine)
    tasks = window_tasks(union, versions, version_tasks, plan.tasks)
    segments = sorted({c for lake in frames for c in lake.segments})
    found: dict[str, list[tuple[Any, ...]]] = {k: [] for k in versions}
    for key, measured in performance.measured(union, segments, tasks).items():
        found[key] += measured
    sizes = {r["_window"]: int(r["count"]) for r in union.groupBy("_window").count().collect()}
    for key, estimates in performance.estimated(union, calibrators, sizes).items():
        found[key] += estimates
    for key, banded in multiclass.estimated(union, multiclass_estimators, sizes).items():
        found[key] += banded
    for key, banded in dle.estimated(union, nannies).items():
        found[key] += banded
    result.performance.update((int(k), v) for k, v in found.items())


def _multiclass_estimators(
    reference: DataFrame, task: Task | None, keys: Sequence[str]
) -> dict[str, MulticlassCalibrator]:
    """A multiclass version's one-vs-rest calibrators (CBPE) for its windows ``keys``."""
    if task is None or task.kind != MULTICLASS:
        return {}
    fitted = multiclass.multiclass_calibrator(reference, task.classes)
    return {} if fitted is None else dict.fromkeys(keys, fitted)


def _driver_frames(spark: SparkSession, plan: Plan, rows: DataFrame, result: Measures) -> None:
    """The rows the driver-side measures read (:mod:`app.spark.driver_frames`): every written
    window, and the lake windows the multivariate pass pairs with them (their reference, or,
    for a written reference, the windows that now resolve to it). A window stored as a file of
    the data dir is read from there, as locally."""
    # every written window's row count in one job, not one count per window
    sizes = {r["_window"]: int(r["count"]) for r in rows.groupBy("_window").count().collect()}
    for window in plan.changed:
        key = key_text(window.model_version, window.day)
        mine = rows.where(F.col("_window") == key)
        result.frames[key] = driver_frame(mine, sizes.get(key, 0))
    references: dict[int, Target] = {w.model_version: w.id for w in plan.stored if w.is_reference}
    new = {w.model_version for w in plan.changed} if plan.reference else set()
    references |= {v: key_text(v, None) for v in new}
    wanted: set[Target] = set()
    if plan.reference:
        wanted = {
            w.id
            for w in plan.stored
            if not w.is_reference
            and (ref := _resolve(references, w.model_version)) is not None
            and isinstance(ref, str)
        }
    else:
        for written in plan.changed:
            ref = _resolve(references, written.model_version)
            if ref is not None:
                wanted.add(ref)
    for stored in plan.stored:
        if stored.id in wanted and stored.source_files is not None:
            result.frames[stored.id] = driver_frame(window_rows(spark, stored, plan.data_dir).frame)


def _resolve(references: Mapping[int, Target], version: int) -> Target | None:
    """:func:`app.production.reference.resolve_reference` over ``version -> reference``."""
    if version in references:
        return references[version]
    older = [v for v in references if v < version]
    return references[max(older)] if older else None


def _drift_measures(spark: SparkSession, plan: Plan, rows: DataFrame, result: Measures) -> None:
    """Drift and reference checks of the production windows the plan touches."""
    references: dict[int, Target] = {w.model_version: w.id for w in plan.stored if w.is_reference}
    if plan.reference:
        references |= {w.model_version: key_text(w.model_version, None) for w in plan.changed}
    # (target, version, its rows with _window, its features) per window to test
    tests: dict[Target, list[tuple[Target, DataFrame, Sequence[str]]]] = {}
    if not plan.reference:
        for window in plan.changed:
            key = key_text(window.model_version, window.day)
            ref = _resolve(references, window.model_version)
            if ref is not None:
                tests.setdefault(ref, []).append((key, rows, plan.lake.features))
    else:
        changed = {key_text(w.model_version, None) for w in plan.changed}
        for old in plan.stored:
            ref = _resolve(references, old.model_version)
            if old.is_reference or ref is None or ref not in changed:
                continue
            stored = window_rows(spark, old, plan.data_dir).frame
            keyed = stored.withColumn("_window", F.lit(str(old.id)))
            tests.setdefault(ref, []).append((old.id, keyed, old.feature_columns))
    for ref, windows in tests.items():
        reference, ref_features = _reference_rows(spark, plan, rows, ref)
        kinds = _kinds(reference, (*ref_features, PREDICTION))
        profile = quality.profile(reference, ref_features)
        basis = summaries.basis(reference, kinds)
        keyed = reference.withColumn("_window", F.lit(str(ref)))
        result.columns[ref] = summaries.column_summaries(keyed, basis).get(str(ref), {})
        for target, _, _ in windows:
            result.reference_of[target] = ref
        for current, features in {id(c): (c, f) for _, c, f in windows}.values():
            targets = [t for t, c, _ in windows if c is current]
            result.drift.update(windows_drift(reference, current, targets, features, kinds))
            mine = current.where(F.col("_window").isin([str(t) for t, _, _ in windows]))
            checks = quality.reference_checks(mine, features, reference, profile)
            counts = summaries.column_summaries(mine, basis)
            for target, _, _ in windows:
                if str(target) in checks:
                    result.reference_checks[target] = checks[str(target)]
                result.columns[target] = counts.get(str(target), {})


def _reference_rows(
    spark: SparkSession, plan: Plan, rows: DataFrame, ref: Target
) -> tuple[DataFrame, Sequence[str]]:
    if isinstance(ref, str):  # a reference this ingest writes
        return rows.where(F.col("_window") == ref), plan.lake.features
    stored = next(w for w in plan.stored if w.id == ref)
    return window_rows(spark, stored, plan.data_dir).frame, stored.feature_columns


def _kinds(reference: DataFrame, columns: Sequence[str]) -> dict[str, str]:
    """Evidently's kind of each reference column (``infer_kind`` of its canonical form)."""
    present = [c for c in columns if c in reference.columns]
    text = [c for c in present if not quality.is_numeric(reference, c)]
    kinds = {c: "numerical" for c in present if c not in text}
    if text:
        aggregates = []
        for i, name in enumerate(text):
            column = F.col(f"`{name}`")
            aggregates += [F.count(column).alias(f"n{i}"), F.count_distinct(column).alias(f"d{i}")]
        row = reference.agg(*aggregates).first()
        assert row is not None
        for i, name in enumerate(text):
            count, distinct = int(row[f"n{i}"]), int(row[f"d{i}"])
            if not count:
                kinds[name] = "unknown"
            else:
                kinds[name] = "text" if distinct > count * 0.5 else "categorical"
    return kinds
