"""The Spark drift engine equals the local one (1e-9) and Evidently's DataDriftPreset (1e-6).

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
    """Same columns, kinds, methods, thresholds, decisions, skips; scores to 1e-9 relative."""
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
    assert ours.to_dict()["dataset_drift"] == local.to_dict()["dataset_drift"]


# 1, 3 and 8 files and partitions, rows shuffled differently each time: the range
# buckets, offsets and sums must not depend on how the rows arrive.
@pytest.mark.parametrize(("size", "partitions"), [("small", 1), ("large", 3), ("large", 8)])
def test_default_choice_equals_local_and_evidently(
    spark: Any, tmp_path: Path, size: str, partitions: int
) -> None:
    from app.spark.drift import spark_drift

    reference, current = branch_frames(*SIZES[size])
    ours = spark_drift(
        to_spark(spark, reference, tmp_path / "ref", partitions, seed=partitions),
        to_spark(spark, current, tmp_path / "cur", partitions, seed=partitions + 1),
    )
    local = compute_drift(reference, current)
    assert_parity(ours, local)
    assert {c.method for c in ours.columns} == (
        {"ks", "chisquare", "z"} if size == "small" else {"wasserstein", "jensenshannon"}
    )
    assert_same(ours.to_dict(), evidently_drift(reference, current))


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("rotation", [0, 1])
def test_every_method_equals_local_and_evidently(
    spark: Any, tmp_path: Path, size: str, rotation: int
) -> None:
    from app.spark.drift import spark_drift

    reference, current = branch_frames(*SIZES[size])
    methods = ROTATIONS[rotation]
    per_column: dict[str, tuple[str | None, float | None]] = {
        c: (m, None) for c, m in methods.items()
    }
    ours = spark_drift(
        to_spark(spark, reference, tmp_path / "ref", 2, seed=3),
        to_spark(spark, current, tmp_path / "cur", 2, seed=4),
        per_column=per_column,
    )
    assert_parity(ours, compute_drift(reference, current, per_column=per_column))
    assert {c.method for c in ours.columns} == set(methods.values())
    theirs = evidently_drift(reference, current, per_column_method=methods)
    assert_same(ours.to_dict(), theirs)


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
    assert_parity(spark_drift(ref, cur), compute_drift(reference, current))
    assert_same(spark_drift(ref, cur).to_dict(), evidently_drift(reference, current))
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
