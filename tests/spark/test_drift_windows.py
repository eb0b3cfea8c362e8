"""``spark_drift_windows``: every window's drift from one set of Spark jobs, each window's
report the local engine's for that window's rows (or its error), and as many jobs for three
windows as for two (the Spark ingest tests all its windows at once, not one after another)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.drift import DriftInputError, compute_drift
from tests.drift.frames import branch_frames
from tests.spark.test_drift_parity import assert_parity

COLUMNS = list(branch_frames(10, 10)[0].columns)


def windows_lake(tmp_path: Path) -> tuple[Path, Path]:
    """A reference file and one Parquet file of windows ``a`` (2,000 rows), ``b`` (300 rows, other
    data), ``c`` (``b`` with ``num_same`` all NaN) and ``d`` (500 rows of ``a``)."""
    reference, a = branch_frames(3000, 2000)
    b = branch_frames(3000, 300, seed=8)[1]
    c = b.assign(num_same=np.nan)
    d = a.iloc[:500]
    frames = [f.assign(_window=w) for w, f in zip("abcd", (a, b, c, d), strict=True)]
    path = tmp_path / "current.parquet"
    rows = pd.concat(frames, ignore_index=True)
    rows.sample(frac=1.0, random_state=3).to_parquet(path, index=False)
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    return tmp_path / "reference.parquet", path


def local_rows(path: Path, window: str) -> pd.DataFrame:
    """A window's rows as pandas reads them from the same Parquet (its own types)."""
    rows = pd.read_parquet(path, filters=[("_window", "==", window)])
    return rows.drop(columns="_window").reset_index(drop=True)


def test_each_window_is_the_local_engines_report_or_error(spark: Any, tmp_path: Path) -> None:
    from app.spark.drift import spark_drift_windows

    reference_path, path = windows_lake(tmp_path)
    reference = pd.read_parquet(reference_path)
    windows = {
        "a": COLUMNS,
        "b": [c for c in COLUMNS if c not in ("const", "flag")],
        "c": COLUMNS,
    }
    found = spark_drift_windows(
        spark.read.parquet(str(reference_path)),
        spark.read.parquet(str(path)).repartition(3),
        windows,
    )
    assert set(found) == set(windows)
    for window in ("a", "b"):
        report = found[window]
        assert not isinstance(report, DriftInputError), report
        local = compute_drift(reference, local_rows(path, window), columns=windows[window])
        assert_parity(report, local)
    with pytest.raises(DriftInputError) as local_error:
        compute_drift(reference, local_rows(path, "c"), columns=windows["c"])
    assert isinstance(found["c"], DriftInputError)
    assert str(found["c"]) == str(local_error.value)
    assert "num_same" in str(found["c"])


def test_jobs_do_not_grow_with_the_windows(spark: Any, tmp_path: Path) -> None:
    from app.spark.drift import spark_drift_windows

    reference_path, path = windows_lake(tmp_path)
    frames = (spark.read.parquet(str(reference_path)), spark.read.parquet(str(path)))
    context = spark.sparkContext
    jobs = []
    try:
        for group, names in (("two-windows", "ab"), ("three-windows", "abd")):
            context.setJobGroup(group, group)
            found = spark_drift_windows(*frames, dict.fromkeys(names, COLUMNS))
            assert not any(isinstance(r, DriftInputError) for r in found.values())
            jobs.append(len(context.statusTracker().getJobIdsForGroup(group)))
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
    assert jobs[0] == jobs[1] > 0
