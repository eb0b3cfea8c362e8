"""The value table's two plans (a column grouped alone, or with the others unpivoted) give the
same rows, whichever columns go which way, for one window and for several."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.spark.test_drift_windows import COLUMNS, windows_lake

# Alone: one column of each type class (float, float with NaN and ±inf, int, bool, string);
# the rest (constants among them) shared, so one table holds both plans' rows.
ALONE = {"num_shifted", "gaps", "int_three", "flag", "cat_multi"}


def table(
    spark: Any, tmp_path: Path, alone: set[str], windows: str, by: str | None
) -> list[tuple[Any, ...]]:
    from app.spark import aggregates as agg
    from app.spark.drift import type_class

    reference_path, path = windows_lake(tmp_path)
    reference = spark.read.parquet(str(reference_path))
    current = spark.read.parquet(str(path)).repartition(3)
    classes = {f.name: type_class(f.dataType) for f in current.schema.fields if f.name in COLUMNS}
    current = current.where(current["_window"].isin(list(windows)))
    values = agg.value_table(reference, current, (classes, classes), by, list(windows), alone)
    rows = [tuple(r) for r in values.collect()]
    assert len(rows) == len(set((c, n, k) for c, n, k, _, _ in rows)), "one row per value"
    return sorted(rows, key=repr)


@pytest.mark.parametrize(("windows", "by"), [("a", None), ("a", "_window"), ("abd", "_window")])
def test_both_plans_give_the_same_rows(
    spark: Any, tmp_path: Path, windows: str, by: str | None
) -> None:
    shared = table(spark, tmp_path, set(), windows, by)
    assert {r[0].split("\x1f")[0] for r in shared} == set(windows)
    assert table(spark, tmp_path, ALONE, windows, by) == shared


def test_a_column_with_a_million_cells_is_grouped_alone() -> None:
    from app.spark.aggregates import ALONE_FROM, alone_from

    assert alone_from({"big": ALONE_FROM, "small": ALONE_FROM - 1}) == {"big"}
    assert alone_from({"a": 5, "b": 0}, threshold=0) == {"a", "b"}
