"""A lake window's task on Spark: :mod:`app.production.tasks`' rules from aggregates.

The version's task (rules 1–3: its ``models`` row, its labelled reference)
and, failing that, each window's own (rules 3 and 4), each from one
aggregate; the class labels of a multiclass version are the distinct labels
and rounded predictions, a handful of values, collected.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from app.production.tasks import (
    BINARY_TASK,
    CLASSIFICATION,
    MULTICLASS,
    REGRESSION,
    REGRESSION_TASK,
    Task,
    score_columns,
)


def _finite(name: str) -> Column:
    column = F.col(name)
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


def _evidence(labelled: Column) -> list[Column]:
    """Counts that decide ``_is_binary_scored`` of the ``labelled`` rows' finite values."""
    label, prediction = _finite("label") & labelled, _finite("prediction") & labelled
    return [
        F.count_if(labelled).alias("labelled"),
        F.count_if(label & ~F.col("label").isin(0.0, 1.0)).alias("not_binary"),
        F.count_if(prediction).alias("predictions"),
        F.count_if(prediction & ((F.col("prediction") < 0) | (F.col("prediction") > 1))).alias(
            "outside"
        ),
    ]


def _binary_scored(row: Mapping[str, int], *, labels: bool = True) -> bool:
    return bool((not labels or not row["not_binary"]) and row["predictions"] and not row["outside"])


def _classes(rows: DataFrame, has_scores: dict[float, str]) -> tuple[float, ...]:
    """``tasks._multiclass``: labels, rounded predictions and score classes, sorted."""
    labels = rows.where(_finite("label")).select(F.col("label").alias("c"))
    rounded = rows.where(_finite("prediction")).select(F.rint("prediction").alias("c"))
    found = {float(r["c"]) for r in labels.union(rounded).distinct().collect()}
    return tuple(sorted(found | set(has_scores)))


def version_task(declared: str | None, reference: DataFrame | None) -> Task | None:
    """:func:`app.production.tasks.version_task` of a reference on Spark."""
    if declared == REGRESSION:
        return REGRESSION_TASK
    if reference is None:
        return None
    labelled = reference.where(F.col("label").isNotNull() & F.col("prediction").isNotNull())
    row = labelled.agg(*_evidence(F.lit(True))).first()
    if row is None or not row["labelled"]:
        return None
    scores = score_columns(labelled.limit(0).toPandas())
    if not scores and _binary_scored(row.asDict()):
        return BINARY_TASK
    if declared == CLASSIFICATION or scores:
        return Task(MULTICLASS, _classes(labelled, scores))
    return REGRESSION_TASK


def window_tasks(
    rows: DataFrame,
    versions: Mapping[str, int],
    tasks: Mapping[int, Task | None],
    declared: Mapping[int, str],
) -> dict[str, Task | None]:
    """:func:`app.production.tasks.window_task` of every window in ``rows`` (by ``_window``)."""
    found: dict[str, Task | None] = {}
    open_keys = []
    for key, version in versions.items():
        if tasks.get(version) is not None:
            found[key] = tasks[version]
        else:
            open_keys.append(key)
    if not open_keys:
        return found
    scores = score_columns(rows.limit(0).toPandas())
    labelled = _evidence(F.col("label").isNotNull())
    everything = [c.alias("all_" + str(i)) for i, c in enumerate(_evidence(F.lit(True)))]
    evidence = rows.where(F.col("_window").isin(open_keys)).groupBy("_window")
    for r in evidence.agg(*labelled, *everything).collect():
        key, row = r["_window"], r.asDict()
        if declared.get(versions[key]) == CLASSIFICATION:
            window = {"predictions": row["all_2"], "outside": row["all_3"], "not_binary": 0}
            if not scores and _binary_scored(window, labels=False):
                found[key] = BINARY_TASK
            else:
                own = rows.where(F.col("_window") == key)
                found[key] = Task(MULTICLASS, _classes(own, scores))
        elif not row["labelled"]:
            found[key] = None
        else:
            found[key] = BINARY_TASK if _binary_scored(row) else REGRESSION_TASK
    return found
