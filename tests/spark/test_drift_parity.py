"""The Spark drift engine equals the local one (the same JSON) and Evidently's preset (1e-6).

Each case is a pandas frame pair written to Parquet (in several files, rows
shuffled, for the partitioning cases) and read back by Spark, so the engine
sees what ``tandem drift --engine spark`` sees. Forced methods are assigned
per column, several per call, so every method meets numerical and categorical
columns in a few Spark jobs. The frames (tests/drift/frames.py) hold NaN and
±inf, constant columns, a category only in current, ties, booleans and
integers of both kinds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.cli.output import json_text
from app.drift import DriftReport, compute_drift
from tests.drift.frames import branch_frames
from tests.drift.oracle import assert_same, evidently_drift

REL = 1e-9
SIZES = {"small": (400, 300), "large": (3000, 2000)}

# Two assignments of every method to columns it applies to (kinds as inferred):
# numerical columns get ks/wasserstein/binned ones, categorical ones the rest.
ROTATIONS = (
    {
        "num_shifted": "ks",
        "num_same": "wasserstein",
        "num_two": "psi",
        "num_four": "kl_div",
        "num_25": "jensenshannon",
        "int_many": "hellinger",
        "gaps": "ks",
        "const": "wasserstein",
        "const_moved": "hellinger",
        "int_three": "chisquare",
        "cat_binary": "z",
        "cat_multi": "psi",
        "flag": "kl_div",
    },
    {
        "num_shifted": "hellinger",
        "num_same": "psi",
        "num_two": "ks",
        "num_four": "wasserstein",
        "num_25": "kl_div",
        "int_many": "jensenshannon",
        "gaps": "wasserstein",
        "const": "ks",
        "const_moved": "psi",
        "int_three": "jensenshannon",
        "cat_binary": "hellinger",
        "cat_multi": "chisquare",
        "flag": "z",
    },
)


def to_spark(
    spark: Any, frame: pd.DataFrame, root: Path, partitions: int = 1, seed: int = 0
) -> Any:
    """``frame`` as ``partitions`` Parquet files of shuffled rows, read back as ``partitions``."""
    root.mkdir(parents=True)
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for i, part in enumerate(np.array_split(np.arange(len(shuffled)), partitions)):
        shuffled.iloc[part].to_parquet(root / f"part-{i:03d}.parquet", index=False)
    return spark.read.parquet(str(root)).repartition(partitions)


def assert_parity(ours: DriftReport, local: DriftReport) -> None:
    """Same columns, kinds, methods, thresholds, decisions, skips and scores: the same JSON
    text as ``tandem drift --format json`` prints it, every digit (Wasserstein's sums are
    rounded once on both engines); a readable difference first, column by column."""
    assert [c.column for c in ours.columns] == [c.column for c in local.columns]
    assert ours.skipped == local.skipped
    for got, expected in zip(ours.columns, local.columns, strict=True):
        label = f"spark {got} vs local {expected}"
        assert (got.kind, got.method, got.threshold) == (
            expected.kind,
            expected.method,
            expected.threshold,
        ), label
        assert got.drifted == expected.drifted, label
        if math.isnan(expected.score):
            assert math.isnan(got.score), label
        else:
            assert math.isclose(got.score, expected.score, rel_tol=REL, abs_tol=1e-300), label
            assert got.score == expected.score, label
    assert json_text(ours.to_dict()) == json_text(local.to_dict())


# Each case once: the default choice on a small reference (the KS/chi-square/Z branch) and a
# large one, and every method forced on columns of both kinds (two rotations, one per size);
# 1, 3 and 8 files and partitions once each (rows shuffled differently every time): the range
# buckets, offsets and sums must not depend on how the rows arrive.
CASES = [
    pytest.param("small", 1, None, id="default-small-1-partition"),
    pytest.param("large", 8, None, id="default-large-8-partitions"),
    pytest.param("large", 3, 0, id="every-method-large-3-partitions"),
    pytest.param("small", 2, 1, id="every-method-small-2-partitions"),
]


@pytest.mark.parametrize(("size", "partitions", "rotation"), CASES)
def test_spark_equals_local_and_evidently(
    spark: Any, tmp_path: Path, size: str, partitions: int, rotation: int | None
) -> None:
    from app.spark.drift import spark_drift

    reference, current = branch_frames(*SIZES[size])
    methods = ROTATIONS[rotation] if rotation is not None else {}
    per_column: dict[str, tuple[str | None, float | None]] = {
        c: (m, None) for c, m in methods.items()
    }
    ours = spark_drift(
        to_spark(spark, reference, tmp_path / "ref", partitions, seed=partitions),
        to_spark(spark, current, tmp_path / "cur", partitions, seed=partitions + 1),
        per_column=per_column,
    )
    assert_parity(ours, compute_drift(reference, current, per_column=per_column))
    if methods:
        assert {c.method for c in ours.columns} == set(methods.values())
    else:
        assert {c.method for c in ours.columns} == (
            {"ks", "chisquare", "z"} if size == "small" else {"wasserstein", "jensenshannon"}
        )
    assert_same(
        ours.to_dict(), evidently_drift(reference, current, per_column_method=methods or None)
    )


def test_five_rows_against_five_with_ties(spark: Any, tmp_path: Path) -> None:
    from app.spark.drift import spark_drift

    reference = pd.DataFrame(
        {
            "x": [1.0, 2.0, 2.0, 3.0, np.nan],
            "y": [0.1, 0.2, 0.3, 0.4, 0.5],
            "n": [1, 1, 2, 3, 3],
            "b": [True, False, True, True, True],
            "s": ["a", "a", "b", "b", "c"],
            "t": pd.date_range("2026-01-01", periods=5, freq="D", tz="UTC", unit="us"),  # skipped
        }
    )
    current = pd.DataFrame(
        {
            "x": [2.0, 2.0, 3.0, 4.0, 5.0],
            "y": [0.3, 0.3, 0.6, 0.7, 0.9],
            "n": [3, 3, 4, 4, 4],
            "b": [False, False, True, False, False],
            "s": ["a", "d", "d", "d", "d"],  # 2 of 5 distinct: categorical, not text
            "t": pd.date_range("2026-02-01", periods=5, freq="D", tz="UTC", unit="us"),
        }
    )
    ref, cur = (
        to_spark(spark, reference, tmp_path / "ref"),
        to_spark(spark, current, tmp_path / "cur"),
    )
    ours = spark_drift(ref, cur)
    assert_parity(ours, compute_drift(reference, current))
    assert_same(ours.to_dict(), evidently_drift(reference, current))
    forced: dict[str, tuple[str | None, float | None]] = {
        "x": ("wasserstein", None),
        "y": ("ks", None),
        "n": ("hellinger", None),
        "s": ("jensenshannon", None),
        "b": ("wasserstein", None),
    }
    kinds = {"b": "numerical"}  # booleans as 0/1 numbers
    assert_parity(
        spark_drift(ref, cur, per_column=forced, column_kinds=kinds),
        compute_drift(reference, current, per_column=forced, column_kinds=kinds),
    )
