"""Model performance of lake windows on Spark: measured, per segment and estimated (CBPE).

The results of :func:`app.production.performance.window_results`, with its
conventions, for many windows at once (rows carry ``_window``), from
aggregates only:

* classification: confusion counts per (window, segment, label, predicted
  class), a handful of rows, collected; the metrics are then computed from
  them exactly as the local engine computes them from the rows;
* ROC AUC: exact, from the counts of positives and negatives per distinct
  score (Mann–Whitney with ties counting one half: Σ pos × (neg below +
  neg tied / 2) / (n_pos × n_neg), all integers until the one division);
* regression: sums per group, the mean first so that R²'s total sum of squares
  is Σ (y − ȳ)², as the local engine computes it;
* CBPE: the version's calibrator is fitted on the driver from the reference's
  per-score label counts (:func:`calibrator`), applied to the scores on Spark
  (``np.interp`` in an Arrow UDF) and summed per window; the expected ROC AUC
  from the sums of ``p`` and ``1 − p`` per distinct score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pyspark.sql import Column, DataFrame, Row, Window
from pyspark.sql import functions as F

from app.production.estimation import (
    ESTIMATED_METRICS,
    THRESHOLD,
    Calibrator,
    calibrator_from_counts,
)
from app.production.estimation_bands import auc_error, band
from app.production.performance import MIN_SEGMENT_ROWS, segment_key
from app.production.tasks import BINARY, MULTICLASS, REGRESSION, Task
from app.production.windows import SEGMENT_PREFIX
from app.spark.multiclass import calibrated_scores, measured_auc

Result = tuple[Any, ...]  # metric, segment, value, rows, estimated[, lower, upper]


def _finite(name: str) -> Column:
    column = F.col(name)
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


def calibrator(reference: DataFrame) -> Calibrator | None:
    """:func:`app.production.performance.calibrator_of` from per-score label counts."""
    finite = reference.where(_finite("label") & _finite("prediction"))
    counts = (
        finite.groupBy("prediction")
        .agg(F.count(F.lit(1)).alias("n"), F.sum("label").alias("positives"))
        .orderBy("prediction")
        .toPandas()  # one row per distinct reference score: the calibrator's own size
    )
    check = finite.agg(F.count_if(~F.col("label").isin(0.0, 1.0)).alias("other")).first()
    if counts.empty or check is None or check["other"]:
        return None
    return calibrator_from_counts(
        counts["prediction"].to_numpy(dtype=float),
        counts["n"].to_numpy(dtype=float),
        counts["positives"].to_numpy(dtype=float),
    )


def _with_segments(rows: DataFrame, segments: Sequence[str]) -> DataFrame:
    """Each row once as the overall ('') and once per segment value it has."""
    keys = [F.lit("")] + [
        F.when(F.col(f"`{c}`").isNotNull(), F.concat(F.lit(segment_key(c, "")), F.col(f"`{c}`")))
        for c in segments
        if c.startswith(SEGMENT_PREFIX)
    ]
    exploded = rows.withColumn("_segment", F.explode(F.array(*keys)))
    return exploded.where(F.col("_segment").isNotNull())


def measured(
    rows: DataFrame, segments: Sequence[str], tasks: Mapping[str, Task | None]
) -> dict[str, list[Result]]:
    """Measured results (overall and per segment) of every window with labels and a task."""
    keyed = [k for k, task in tasks.items() if task is not None]
    if not keyed:
        return {}
    labelled = _with_segments(
        rows.where(F.col("label").isNotNull() & F.col("_window").isin(keyed)), segments
    )
    groups = ["_window", "_segment"]
    sizes = {
        (r["_window"], r["_segment"]): int(r["count"])
        for r in labelled.groupBy(*groups).count().collect()
    }
    finite = labelled.where(_finite("label") & _finite("prediction"))
    kinds = {k: task.kind for k, task in tasks.items() if task is not None}
    metrics: dict[tuple[str, str], dict[str, float]] = {}
    classified = [k for k in keyed if kinds[k] != REGRESSION]
    if classified:
        binary = {k for k in classified if kinds[k] == BINARY}
        metrics |= _classification(finite.where(F.col("_window").isin(classified)), binary)
        several = {k: t for k, t in tasks.items() if t is not None and t.kind == MULTICLASS}
        for group, area in measured_auc(finite, several).items() if several else ():
            if group in metrics:
                metrics[group]["roc_auc"] = area
    regressed = [k for k in keyed if kinds[k] == REGRESSION]
    if regressed:
        metrics |= _regression(finite.where(F.col("_window").isin(regressed)), groups)
    results: dict[str, list[Result]] = {k: [] for k in keyed}
    for (key, segment), size in sizes.items():
        if segment and size < MIN_SEGMENT_ROWS:
            continue
        found = metrics.get((key, segment), {})
        results[key] += [(m, segment, v, size, False) for m, v in found.items()]
    return results


def _classification(rows: DataFrame, binary: set[str]) -> dict[tuple[str, str], dict[str, float]]:
    """Binary (score ≥ 0.5, ROC AUC) or multiclass (rounded class, macro) from confusion counts.

    A multiclass window's ROC AUC (from its ``score.<class>`` columns) is
    :func:`app.spark.multiclass.measured_auc`'s.
    """
    groups = ["_window", "_segment"]
    predicted_binary = F.when(F.col("prediction") >= 0.5, 1.0).otherwise(0.0)
    confusion = (
        rows.groupBy(
            *groups,
            F.col("label").alias("y"),
            predicted_binary.alias("binary"),
            F.rint("prediction").alias("rounded"),
        )
        .count()
        .toPandas()  # a few rows per group: labels × predicted classes
    )
    aucs = _roc_auc(rows.where(F.col("_window").isin(list(binary))), groups) if binary else {}
    metrics: dict[tuple[str, str], dict[str, float]] = {}
    for (key, segment), counts in confusion.groupby(groups, sort=False):
        group = (str(key), str(segment))
        y = counts["y"].to_numpy(dtype=float)
        n = counts["count"].to_numpy(dtype=float)
        if group[0] in binary:
            predicted = counts["binary"].to_numpy(dtype=float)
            result = _from_confusion(y, predicted, n, [1.0])
            positives = float(n[y == 1.0].sum())
            if 0 < positives < n.sum() and group in aucs:
                result["roc_auc"] = aucs[group]
        else:
            predicted = counts["rounded"].to_numpy(dtype=float)
            result = _from_confusion(y, predicted, n, np.union1d(y, predicted).tolist())
        metrics[group] = result
    return metrics


def _from_confusion(
    y: np.ndarray, predicted: np.ndarray, n: np.ndarray, classes: list[float]
) -> dict[str, float]:
    """:func:`app.production.performance._classification` from counts of (label, predicted)."""
    precision, recall, f1 = [], [], []
    for label in classes:
        tp = float(n[(predicted == label) & (y == label)].sum())
        fp = float(n[(predicted == label) & (y != label)].sum())
        fn = float(n[(predicted != label) & (y == label)].sum())
        precision.append(tp / (tp + fp) if tp + fp else 0.0)
        recall.append(tp / (tp + fn) if tp + fn else 0.0)
        f1.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    total = int(n.sum())
    return {
        "accuracy": float(int(n[predicted == y].sum()) / total),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
    }


def _roc_auc(rows: DataFrame, groups: list[str]) -> dict[tuple[str, str], float]:
    """Exact ROC AUC of each group from its counts per distinct score (positive: label 1)."""
    per_score = rows.groupBy(*groups, "prediction").agg(
        F.count_if(F.col("label") == 1.0).alias("pos"),
        F.count_if(F.col("label") != 1.0).alias("neg"),
    )
    below = (
        Window.partitionBy(*groups).orderBy("prediction").rowsBetween(Window.unboundedPreceding, -1)
    )
    ranked = per_score.withColumn("neg_below", F.coalesce(F.sum("neg").over(below), F.lit(0)))
    pairs = F.col("pos") * (F.col("neg_below") * 2 + F.col("neg"))  # twice the wins: integers
    totals = ranked.groupBy(*groups).agg(
        F.sum(pairs).alias("wins2"), F.sum("pos").alias("pos"), F.sum("neg").alias("neg")
    )
    return {
        (r["_window"], r["_segment"]): float(r["wins2"] / 2 / (r["pos"] * r["neg"]))
        for r in totals.collect()
        if r["pos"] and r["neg"]
    }


def _regression(rows: DataFrame, groups: list[str]) -> dict[tuple[str, str], dict[str, float]]:
    error = F.col("prediction") - F.col("label")
    epsilon = float(np.finfo(float).eps)
    sums = rows.groupBy(*groups).agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.abs(error)).alias("abs"),
        F.sum(error * error).alias("sq"),
        F.sum(F.abs(error) / F.greatest(F.abs(F.col("label")), F.lit(epsilon))).alias("ape"),
        F.avg("label").alias("mean"),
    )
    centred = rows.join(sums.select(*groups, "mean"), groups)
    spread = centred.groupBy(*groups).agg(
        F.sum((F.col("label") - F.col("mean")) ** 2).alias("total")
    )
    joined = sums.join(spread, groups).collect()
    metrics: dict[tuple[str, str], dict[str, float]] = {}
    for r in joined:
        n = int(r["n"])
        result = {
            "mae": float(r["abs"] / n),
            "rmse": float(np.sqrt(r["sq"] / n)),
            "mape": float(r["ape"] / n),
        }
        if n >= 2:
            residual, total = float(r["sq"]), float(r["total"])
            if total:
                result["r2"] = 1 - residual / total
            else:
                result["r2"] = 1.0 if residual == 0 else 0.0
        metrics[(r["_window"], r["_segment"])] = result
    return metrics


def estimated(
    rows: DataFrame, calibrators: Mapping[str, Calibrator], sizes: Mapping[str, int]
) -> dict[str, list[Result]]:
    """CBPE estimates (:func:`app.production.estimation.estimate`) of the windows with one."""
    if not calibrators:
        return {}
    knots = {k: (c.scores, c.probabilities) for k, c in calibrators.items()}
    calibrated = calibrated_scores(knots)
    finite = rows.where(F.col("_window").isin(list(calibrators)) & _finite("prediction"))
    scored = finite.withColumn("_p", calibrated(F.col("_window"), F.col("prediction")))
    positive = F.col("prediction") >= THRESHOLD
    per_score = scored.groupBy("_window", "prediction").agg(
        F.count(F.lit(1)).alias("n"),
        F.sum("_p").alias("p"),
        F.sum(1 - F.col("_p")).alias("q"),
        F.sum(F.when(positive, F.col("_p")).otherwise(1 - F.col("_p"))).alias("right"),
        F.sum(F.col("_p") * (1 - F.col("_p"))).alias("var"),
    )
    above = Window.partitionBy("_window").orderBy(F.col("prediction").desc())
    before = above.rowsBetween(Window.unboundedPreceding, -1)
    ranked = per_score.withColumn("p_before", F.coalesce(F.sum("p").over(before), F.lit(0.0)))
    positive_score = F.col("prediction") >= THRESHOLD
    totals = ranked.groupBy("_window").agg(
        F.sum("n").alias("n"),
        F.sum("right").alias("right"),
        F.sum("p").alias("positives"),
        F.sum("q").alias("negatives"),
        F.sum(F.col("q") * (F.col("p_before") * 2 + F.col("p"))).alias("area2"),
        F.sum(F.when(positive_score, F.col("p")).otherwise(0.0)).alias("tp"),
        F.sum(F.when(positive_score, F.col("q")).otherwise(0.0)).alias("fp"),
        F.sum(F.when(~positive_score, F.col("p")).otherwise(0.0)).alias("fn"),
        F.sum("var").alias("var"),
        F.sum(F.when(positive_score, F.col("var")).otherwise(0.0)).alias("var_a"),
        F.sum(F.when(~positive_score, F.col("var")).otherwise(0.0)).alias("var_b"),
        F.sum(F.when(positive_score, F.col("n")).otherwise(0)).alias("chosen"),
    )
    results: dict[str, list[Result]] = {}
    for r in totals.collect():
        key = r["_window"]
        values = {"accuracy": float(r["right"] / r["n"])}
        tp, fp, fn = float(r["tp"]), float(r["fp"]), float(r["fn"])
        values |= {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        }
        positives, negatives = float(r["positives"]), float(r["negatives"])
        if positives >= 1e-9 and negatives >= 1e-9:
            values["roc_auc"] = float(r["area2"] / 2 / (positives * negatives))
        errors = _standard_errors(r, values.get("roc_auc"))
        results[key] = [
            (m, "", v, sizes[key], True, *band(v, errors.get(m, 0.0)))
            for m, v in values.items()
            if m in ESTIMATED_METRICS
        ]
    return results


def _standard_errors(sums: Row, auc: float | None) -> dict[str, float]:
    """:func:`app.production.estimation.standard_errors` from per-window sums.

    The formulas of :mod:`app.production.estimation_bands` (``accuracy_error``,
    ``class_errors``) written over the sums they reduce the rows to: Σ p(1 − p)
    overall and over the rows predicted positive (A) or not (B).
    """
    n, chosen = float(sums["n"]), float(sums["chosen"])
    a, b = float(sums["tp"]), float(sums["fn"])
    var_a, var_b = float(sums["var_a"]), float(sums["var_b"])
    errors = {"accuracy": math.sqrt(float(sums["var"])) / n}
    errors["precision"] = math.sqrt(var_a) / chosen if chosen else 0.0
    positives = a + b
    errors["recall"] = math.sqrt(b * b * var_a + a * a * var_b) / positives**2 if positives else 0.0
    total = chosen + a + b
    errors["f1"] = (
        2 * math.sqrt((chosen + b) ** 2 * var_a + a * a * var_b) / total**2 if total else 0.0
    )
    if auc is not None:
        errors["roc_auc"] = auc_error(auc, float(sums["positives"]), float(sums["negatives"]))
    return errors
