"""A multiclass version's CBPE estimates and measured ROC AUC on Spark, from sums only.

The results of :mod:`app.production.estimation_multiclass` and of
:func:`app.production.performance._multiclass_auc`, with their conventions,
for many windows at once (rows carry ``_window``):

* :func:`multiclass_calibrator`: one isotonic calibrator per class
  (one-vs-rest, "label = class" against the class's ``score.<class>``), each
  fitted on the driver from the reference's per-score counts of that class's
  score (one row per distinct score, the calibrator's own size);
* :func:`estimated`: each usable row's calibrated probabilities (``np.interp``
  in Arrow UDFs, one per class), divided by their sum in Spark SQL (uniform
  when the sum is 0), then summed per window: accuracy and its variance from
  the probability of the predicted class; per class the expected TP, FP and
  FN and their variances (rows predicted the class or not); the expected
  one-vs-rest ROC AUC per class from the sums of ``P`` and ``1 − P`` per
  distinct raw score, ranked high to low, as the binary estimate does;
* :func:`measured_auc`: the realised macro one-vs-rest ROC AUC per window and
  segment, exact, from counts of positives ("label = class") and negatives per
  distinct score of each class (Mann–Whitney, ties one half).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from app.production.estimation import ESTIMATED_METRICS, calibrator_from_counts
from app.production.estimation_bands import auc_error, band, macro_error
from app.production.estimation_multiclass import MulticlassCalibrator
from app.production.tasks import Task, scores_by_class

Result = tuple[Any, ...]  # metric, segment, value, rows, estimated, lower, upper


def _finite(column: Column) -> Column:
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


def score_names(frame: DataFrame) -> dict[float, str]:
    """``score.<class>`` columns by class, as :func:`app.production.tasks.score_columns`."""
    return scores_by_class(frame.columns)


def multiclass_calibrator(
    reference: DataFrame, classes: tuple[float, ...]
) -> MulticlassCalibrator | None:
    """:func:`app.production.estimation_multiclass.fit_multiclass` from per-score counts."""
    columns = score_names(reference)
    if len(classes) < 2 or any(c not in columns for c in classes):
        return None
    label = F.col("label")
    calibrators = []
    for cls in classes:
        score = F.col(f"`{columns[cls]}`")
        counts = (
            reference.where(_finite(label) & _finite(score))
            .groupBy(score.alias("s"))
            .agg(F.count(F.lit(1)).alias("n"), F.count_if(label == cls).alias("positives"))
            .orderBy("s")
            .toPandas()  # one row per distinct score of the class
        )
        if counts.empty:
            return None
        calibrator = calibrator_from_counts(
            counts["s"].to_numpy(dtype=float),
            counts["n"].to_numpy(dtype=float),
            counts["positives"].to_numpy(dtype=float),
        )
        if calibrator is None:
            return None
        calibrators.append(calibrator)
    return MulticlassCalibrator(classes, tuple(calibrators))


def calibrated_scores(knots: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Any:
    """An Arrow UDF of (window key, score): the score calibrated with that window's knots.

    One class's knots for the multiclass estimates, the binary calibrator's for CBPE
    (:mod:`app.spark.performance`): the same interpolation as the local engine's.
    """

    @F.pandas_udf("double")  # type: ignore[call-overload]
    def calibrate(keys: pd.Series, scores: pd.Series) -> pd.Series:
        values = scores.to_numpy(dtype=float)
        out = np.empty(values.size)
        names = keys.to_numpy(dtype=object)
        for key in pd.unique(names):
            mask = names == key
            out[mask] = np.interp(values[mask], *knots[str(key)])
        return pd.Series(out)

    return calibrate


def _probabilities(
    rows: DataFrame, estimators: Mapping[str, MulticlassCalibrator], classes: tuple[float, ...]
) -> tuple[DataFrame, int] | None:
    """The usable rows (``calibrated``'s: a finite prediction and every class's score) with
    ``_P<i>`` (normalised probabilities) and ``_s<i>`` (raw scores), class ``i`` of ``classes``.
    """
    columns = score_names(rows)
    if any(c not in columns for c in classes):
        return None
    k = len(classes)
    scores = [F.col(f"`{columns[c]}`") for c in classes]
    usable = rows.where(F.col("_window").isin(list(estimators)) & _finite(F.col("prediction")))
    for score in scores:
        usable = usable.where(_finite(score))
    raw = []
    for i, score in enumerate(scores):
        knots = {
            key: (e.calibrators[i].scores, e.calibrators[i].probabilities)
            for key, e in estimators.items()
        }
        raw.append(calibrated_scores(knots)(F.col("_window"), score))
    frame = usable.select(
        "_window",
        F.rint("prediction").alias("_predicted"),
        *[s.alias(f"_s{i}") for i, s in enumerate(scores)],
        *[r.alias(f"_p{i}") for i, r in enumerate(raw)],
    )
    total: Column = F.col("_p0")
    for i in range(1, k):
        total = total + F.col(f"_p{i}")
    frame = frame.withColumn("_total", total)
    for i in range(k):
        normalised = F.when(F.col("_total") > 0, F.col(f"_p{i}") / F.col("_total"))
        frame = frame.withColumn(f"_P{i}", normalised.otherwise(F.lit(1 / k)))
    return frame, k


def estimated(
    rows: DataFrame, estimators: Mapping[str, MulticlassCalibrator], sizes: Mapping[str, int]
) -> dict[str, list[Result]]:
    """CBPE estimates of the windows with a multiclass estimator, with their bands."""
    results: dict[str, list[Result]] = {}
    by_classes: dict[tuple[float, ...], dict[str, MulticlassCalibrator]] = {}
    for key, estimator in estimators.items():
        by_classes.setdefault(estimator.classes, {})[key] = estimator
    for classes, group in by_classes.items():
        prepared = _probabilities(rows, group, classes)
        if prepared is not None:
            results |= _estimates(*prepared, classes, sizes)
    return results


def _estimates(
    frame: DataFrame, k: int, classes: tuple[float, ...], sizes: Mapping[str, int]
) -> dict[str, list[Result]]:
    frame = frame.persist()
    try:
        right: Column = F.lit(0.0)
        for i, cls in enumerate(classes):
            right = right + F.when(F.col("_predicted") == cls, F.col(f"_P{i}")).otherwise(0.0)
        aggregates = [
            F.count(F.lit(1)).alias("n"),
            F.sum(F.col("_q")).alias("right"),
            F.sum(F.col("_q") * (1 - F.col("_q"))).alias("var"),
        ]
        for i, cls in enumerate(classes):
            p, chosen = F.col(f"_P{i}"), F.col("_predicted") == cls
            aggregates += [
                F.sum(F.when(chosen, p).otherwise(0.0)).alias(f"a{i}"),
                F.sum(F.when(chosen, 1 - p).otherwise(0.0)).alias(f"fp{i}"),
                F.sum(F.when(~chosen, p).otherwise(0.0)).alias(f"b{i}"),
                F.sum(F.when(chosen, p * (1 - p)).otherwise(0.0)).alias(f"va{i}"),
                F.sum(F.when(~chosen, p * (1 - p)).otherwise(0.0)).alias(f"vb{i}"),
                F.count_if(chosen).alias(f"c{i}"),
            ]
        sums = {
            r["_window"]: r.asDict()
            for r in frame.withColumn("_q", right).groupBy("_window").agg(*aggregates).collect()
        }
        areas = _expected_areas(frame, k)
    finally:
        frame.unpersist()
    results: dict[str, list[Result]] = {}
    for key, s in sums.items():
        values, errors = _from_sums(s, k, areas.get(key, {}))
        results[key] = [
            (m, "", v, sizes[key], True, *band(v, errors.get(m, 0.0)))
            for m, v in values.items()
            if m in ESTIMATED_METRICS
        ]
    return results


def _from_sums(
    s: Mapping[str, Any], k: int, areas: Mapping[int, tuple[float, float, float] | None]
) -> tuple[dict[str, float], dict[str, float]]:
    """Estimates and SEs of one window from its sums (``estimate_multiclass``,
    ``multiclass_errors`` and :mod:`app.production.estimation_bands`)."""
    n = float(s["n"])
    values = {"accuracy": float(s["right"]) / n}
    errors = {"accuracy": math.sqrt(float(s["var"])) / n}
    precision, recall, f1 = [], [], []
    se: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
    for i in range(k):
        a, fp, b = float(s[f"a{i}"]), float(s[f"fp{i}"]), float(s[f"b{i}"])
        var_a, var_b, chosen = float(s[f"va{i}"]), float(s[f"vb{i}"]), float(s[f"c{i}"])
        precision.append(a / (a + fp) if a + fp else 0.0)
        recall.append(a / (a + b) if a + b else 0.0)
        f1.append(2 * a / (2 * a + fp + b) if a + fp + b else 0.0)
        se["precision"].append(math.sqrt(var_a) / chosen if chosen else 0.0)
        positives = a + b
        se["recall"].append(
            math.sqrt(b * b * var_a + a * a * var_b) / positives**2 if positives else 0.0
        )
        total = chosen + a + b
        se["f1"].append(
            2 * math.sqrt((chosen + b) ** 2 * var_a + a * a * var_b) / total**2 if total else 0.0
        )
    values |= {
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
    }
    errors |= {metric: macro_error(found) for metric, found in se.items()}
    found = [areas.get(i) for i in range(k)]
    if all(f is not None for f in found):
        aucs = [f for f in found if f is not None]
        values["roc_auc"] = float(np.mean([f[0] for f in aucs]))
        errors["roc_auc"] = macro_error([auc_error(*f) for f in aucs])
    return values, errors


def _expected_areas(frame: DataFrame, k: int) -> dict[str, dict[int, tuple[float, float, float]]]:
    """Per window and class: (expected one-vs-rest ROC AUC, Σ P, Σ 1 − P), for the classes
    expected somewhere and not everywhere (``expected_roc_auc``'s 1e-9 rule)."""
    long = frame.select(
        "_window",
        F.explode(
            F.array(
                *[
                    F.struct(
                        F.lit(i).alias("cls"),
                        F.col(f"_s{i}").alias("s"),
                        F.col(f"_P{i}").alias("P"),
                    )
                    for i in range(k)
                ]
            )
        ).alias("c"),
    ).select("_window", "c.cls", "c.s", "c.P")
    groups = ["_window", "cls"]
    per_score = long.groupBy(*groups, "s").agg(
        F.sum("P").alias("p"), F.sum(1 - F.col("P")).alias("q")
    )
    before = (
        Window.partitionBy(*groups)
        .orderBy(F.col("s").desc())
        .rowsBetween(Window.unboundedPreceding, -1)
    )
    ranked = per_score.withColumn("p_before", F.coalesce(F.sum("p").over(before), F.lit(0.0)))
    totals = ranked.groupBy(*groups).agg(
        F.sum("p").alias("positives"),
        F.sum("q").alias("negatives"),
        F.sum(F.col("q") * (F.col("p_before") * 2 + F.col("p"))).alias("area2"),
    )
    found: dict[str, dict[int, tuple[float, float, float]]] = {}
    for r in totals.collect():
        positives, negatives = float(r["positives"]), float(r["negatives"])
        if positives < 1e-9 or negatives < 1e-9:
            continue
        area = float(r["area2"]) / 2 / (positives * negatives)
        found.setdefault(r["_window"], {})[int(r["cls"])] = (area, positives, negatives)
    return found


def measured_auc(finite: DataFrame, tasks: Mapping[str, Task]) -> dict[tuple[str, str], float]:
    """Macro one-vs-rest ROC AUC per (window, segment) of multiclass windows with a
    ``score.<class>`` column for every class, each class both present and absent among
    the labels, every score finite (``_multiclass_auc``). ``finite``: rows with a finite
    label and prediction, ``_window`` and ``_segment``."""
    columns = score_names(finite)
    by_classes: dict[tuple[float, ...], list[str]] = {}
    for key, task in tasks.items():
        if task.classes and all(c in columns for c in task.classes):
            by_classes.setdefault(task.classes, []).append(key)
    found: dict[tuple[str, str], float] = {}
    for classes, keys in by_classes.items():
        found |= _measured(finite.where(F.col("_window").isin(keys)), classes, columns)
    return found


def _measured(
    rows: DataFrame, classes: Sequence[float], columns: Mapping[float, str]
) -> dict[tuple[str, str], float]:
    structs = [
        F.struct(
            F.lit(i).alias("cls"),
            F.col(f"`{columns[c]}`").alias("s"),
            (F.col("label") == c).alias("positive"),
        )
        for i, c in enumerate(classes)
    ]
    long = rows.select("_window", "_segment", F.explode(F.array(*structs)).alias("c")).select(
        "_window", "_segment", "c.cls", "c.s", "c.positive"
    )
    groups = ["_window", "_segment", "cls"]
    per_score = long.groupBy(*groups, "s").agg(
        F.count_if(F.col("positive")).alias("pos"),
        F.count_if(~F.col("positive")).alias("neg"),
        F.count_if(~_finite(F.col("s"))).alias("bad"),
    )
    below = Window.partitionBy(*groups).orderBy("s").rowsBetween(Window.unboundedPreceding, -1)
    ranked = per_score.withColumn("neg_below", F.coalesce(F.sum("neg").over(below), F.lit(0)))
    pairs = F.col("pos") * (F.col("neg_below") * 2 + F.col("neg"))  # twice the wins: integers
    totals = ranked.groupBy(*groups).agg(
        F.sum(pairs).alias("wins2"),
        F.sum("pos").alias("pos"),
        F.sum("neg").alias("neg"),
        F.sum("bad").alias("bad"),
    )
    areas: dict[tuple[str, str], dict[int, float | None]] = {}
    for r in totals.collect():
        usable = r["pos"] and r["neg"] and not r["bad"]
        area = float(r["wins2"] / 2 / (r["pos"] * r["neg"])) if usable else None
        areas.setdefault((r["_window"], r["_segment"]), {})[int(r["cls"])] = area
    found: dict[tuple[str, str], float] = {}
    for group, by_class in areas.items():
        values = [by_class.get(i) for i in range(len(classes))]
        if all(v is not None for v in values):
            found[group] = float(np.mean([v for v in values if v is not None]))
    return found
