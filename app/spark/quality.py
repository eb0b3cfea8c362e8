"""Data quality of lake windows on Spark: the local checks, from aggregates.

The same two sets of checks as :mod:`app.production.quality`, with the same
definitions, computed for many windows at once (rows carry their window's key
in ``_window``): :func:`window_checks` against each window's own version's
reference, :func:`reference_checks` against the resolved reference. A column's
kind is its Spark type after :func:`app.spark.lake.read_lake`'s canonical cast
(``double`` is numerical, text is not), which is what
:func:`app.drift.is_numerical` says of the canonical pandas column.
Only one row per window (and per window and column for new categories) is
collected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from app.production.quality import Check


@dataclass(frozen=True)
class SparkProfile:
    """A reference column as the checks need it: kind and [min, max] of its finite values."""

    numerical: bool
    bounds: tuple[float, float] | None = None


def is_numeric(frame: DataFrame, name: str) -> bool:
    return isinstance(frame.schema[name].dataType, T.DoubleType)


def _finite(name: str) -> Column:
    column = F.col(f"`{name}`")
    return column.isNotNull() & ~F.isnan(column) & (F.abs(column) != F.lit(float("inf")))


def _missing(frame: DataFrame, name: str) -> Column:
    column = F.col(f"`{name}`")
    if is_numeric(frame, name):
        return ~_finite(name)
    return column.isNull()


def profile(frame: DataFrame, features: Sequence[str]) -> dict[str, SparkProfile]:
    """A reference's profile (one aggregate): kinds, and bounds of its numerical features."""
    numerical = [name for name in features if is_numeric(frame, name)]
    bounds: dict[str, tuple[float, float] | None] = {}
    if numerical:
        aggregates = []
        for i, name in enumerate(numerical):
            finite = F.when(_finite(name), F.col(f"`{name}`"))
            aggregates += [F.min(finite).alias(f"lo{i}"), F.max(finite).alias(f"hi{i}")]
        row = frame.agg(*aggregates).first()
        assert row is not None
        for i, name in enumerate(numerical):
            low, high = row[f"lo{i}"], row[f"hi{i}"]
            bounds[name] = None if low is None else (float(low), float(high))
    return {
        name: SparkProfile(name in bounds, bounds.get(name))
        for name in features
        if name in frame.columns
    }


def window_checks(
    rows: DataFrame,
    features: Sequence[str],
    references: Mapping[int, Mapping[str, SparkProfile] | None],
    versions: Mapping[str, int],
) -> dict[str, list[Check]]:
    """:func:`app.production.quality.window_checks` of every window in ``rows``, by key.

    ``references`` holds each version's own reference profile (None: none);
    ``versions`` each window key's version.
    """
    aggregates: list[Column] = [F.count(F.lit(1)).alias("n")]
    for i, name in enumerate(features):
        aggregates.append(F.count_if(_missing(rows, name)).alias(f"m{i}"))
        if not is_numeric(rows, name):
            continue
        for version, reference in references.items():
            expected = (reference or {}).get(name)
            if expected is None or expected.bounds is None:
                continue
            low, high = expected.bounds
            column = F.col(f"`{name}`")
            beyond = (
                (F.col("model_version") == version)
                & _finite(name)
                & ((column < F.lit(low)) | (column > F.lit(high)))
            )
            aggregates.append(F.count_if(beyond).alias(f"o{i}_{version}"))
    results: dict[str, list[Check]] = {}
    numerical = {name: is_numeric(rows, name) for name in features}
    for row in rows.groupBy("_window").agg(*aggregates).collect():
        n = int(row["n"])
        version = versions[row["_window"]]
        reference = references.get(version)
        checks: list[Check] = []
        missing: list[float] = []
        outside: list[float] = []
        for i, name in enumerate(features):
            share = int(row[f"m{i}"]) / n if n else 0.0
            missing.append(share)
            checks.append((name, "missing_share", share))
            expected = reference.get(name) if reference is not None else None
            if expected is not None and expected.bounds is not None and numerical[name]:
                share = int(row[f"o{i}_{version}"]) / n if n else 0.0
                outside.append(share)
                checks.append((name, "out_of_range_share", share))
        checks.append(("", "missing_share", max(missing, default=0.0)))
        violations = 0
        if reference is not None:
            checks.append(("", "out_of_range_share", max(outside, default=0.0)))
            violations = sum(
                numerical.get(name) != expected.numerical for name, expected in reference.items()
            )
        checks.append(("", "schema_violations", float(violations)))
        results[row["_window"]] = checks
    return results


def reference_checks(
    rows: DataFrame,
    features: Sequence[str],
    reference: DataFrame,
    profile_of: Mapping[str, SparkProfile],
) -> dict[str, list[Check]]:
    """:func:`app.production.quality.reference_checks` of every window in ``rows``, by key.

    ``reference`` is the resolved reference's rows, ``profile_of`` its profile.
    """
    checked = [name for name in features if name in profile_of and name in rows.columns]
    aggregates: list[Column] = [F.count(F.lit(1)).alias("n")]
    for i, name in enumerate(checked):
        column = F.col(f"`{name}`")
        aggregates.append(F.count(column).alias(f"p{i}"))
        if profile_of[name].numerical and not is_numeric(rows, name):
            aggregates.append(F.count_if(column.isNotNull() & column.cast("double").isNull()))
            aggregates[-1] = aggregates[-1].alias(f"t{i}")
    keys = [F.col(f"`{c}`") for c in (*features, "prediction") if c in rows.columns]
    distinct = rows.groupBy("_window", *keys).count().groupBy("_window")
    unique = {
        r["_window"]: int(r["groups"])
        for r in distinct.agg(F.count(F.lit(1)).alias("groups")).collect()
    }
    categorical = [name for name in checked if not profile_of[name].numerical]
    new = _new_categories(rows, reference, categorical)
    results: dict[str, list[Check]] = {}
    for found in rows.groupBy("_window").agg(*aggregates).collect():
        row = found.asDict()
        key, n = row["_window"], int(row["n"])
        checks: list[Check] = []
        for i, name in enumerate(checked):
            present = int(row[f"p{i}"])
            expected = profile_of[name]
            if expected.numerical:
                violated = int(row.get(f"t{i}", 0))
                share = violated / present if present else 0.0
            else:
                share = 1.0 if is_numeric(rows, name) and present else 0.0
            checks.append((name, "type_violation_share", share))
            if not expected.numerical:
                count, values = new.get((key, name), (0, 0))
                checks.append((name, "new_category_share", count / present if present else 0.0))
                checks.append((name, "new_categories", float(values)))
        duplicated = (n - unique[key]) / n if keys and n else 0.0
        checks.append(("", "duplicated_share", duplicated))
        checks.append(("", "added_columns", float(len(set(features) - set(profile_of)))))
        checks.append(("", "removed_columns", float(len(set(profile_of) - set(features)))))
        results[key] = checks
    return results


def _new_categories(
    rows: DataFrame, reference: DataFrame, columns: Sequence[str]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(window, column) → (values absent from the reference, distinct such values)."""
    if not columns:
        return {}

    def long(frame: DataFrame, keys: list[str]) -> DataFrame:
        pairs = F.array(
            *(
                F.struct(F.lit(c).alias("column"), F.col(f"`{c}`").cast("string").alias("value"))
                for c in columns
            )
        )
        exploded = frame.select(*keys, F.explode(pairs).alias("pair"))
        return exploded.select(*keys, "pair.column", "pair.value").where(F.col("value").isNotNull())

    known = long(reference, []).distinct()
    counts = long(rows, ["_window"]).groupBy("_window", "column", "value").count()
    unseen = counts.join(F.broadcast(known), ["column", "value"], "left_anti")
    totals = unseen.groupBy("_window", "column").agg(
        F.sum("count").alias("rows"), F.count(F.lit(1)).alias("values")
    )
    return {
        (r["_window"], r["column"]): (int(r["rows"]), int(r["values"])) for r in totals.collect()
    }
