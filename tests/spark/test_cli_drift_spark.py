"""``tandem drift --engine spark``: the local JSON, byte for byte, on the sample data.

Bad input exits 2 naming the path (and column).

The CLI runs in-process (CliRunner), so it finds the test run's one Spark
session as the active session instead of starting another.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from app.cli.drift import drift

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "sample_data" / "production"


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(drift, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        ("demand-forecast/reference_v1.parquet", "demand-forecast/windows.parquet"),
        ("fraud-scoring/reference_v2.parquet", "fraud-scoring/reference_v3.parquet"),
    ],
)
def test_spark_prints_the_local_engines_json_on_the_sample_data(
    spark: Any, reference: str, current: str
) -> None:
    args = ("--reference", PRODUCTION / reference, "--current", PRODUCTION / current)
    code, local_out, local_err = run(*args, "--format", "json")
    assert code == 0, local_err
    code, spark_out, spark_err = run(*args, "--format", "json", "--engine", "spark")
    assert code == 0, spark_err
    assert spark_err == local_err  # the same notes: columns not tested and why
    assert spark_out == local_out  # every digit: Wasserstein's sums are rounded once on both
    local = json.loads(local_out)
    assert len(local["columns"]) > 3
    assert "wasserstein" in {c["method"] for c in local["columns"]}


def test_a_missing_path_exits_2_naming_it(spark: Any, tmp_path: Path) -> None:
    existing = PRODUCTION / "demand-forecast" / "reference_v1.parquet"
    missing = tmp_path / "nowhere" / "*.parquet"
    code, out, err = run("--engine", "spark", "--reference", existing, "--current", missing)
    assert code == 2
    assert out == ""
    assert f"--current {missing}: no such file or directory" in err


def test_a_column_typed_differently_in_two_files_exits_2_naming_file_and_column(
    spark: Any, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    pd.DataFrame({"x": [1.5, 2.5], "amount": [1, 2]}).to_parquet(lake / "a.parquet")
    pd.DataFrame({"x": [3.5, 4.5], "amount": ["1", "2"]}).to_parquet(lake / "b.parquet")
    code, out, err = run("--engine", "spark", "--reference", lake, "--current", lake)
    assert code == 2
    assert out == ""
    assert f"--reference {lake}: column 'amount' is" in err
    assert "a.parquet" in err
    assert "b.parquet" in err


def test_reference_and_current_typing_a_column_differently_exits_2(
    spark: Any, tmp_path: Path
) -> None:
    pd.DataFrame({"x": [1.5, 2.5, 3.5], "code": [1, 2, 3]}).to_parquet(tmp_path / "ref.parquet")
    pd.DataFrame({"x": [1.5, 2.5, 3.5], "code": ["a", "b", "c"]}).to_parquet(
        tmp_path / "cur.parquet"
    )
    code, out, err = run(
        "--engine",
        "spark",
        "--reference",
        tmp_path / "ref.parquet",
        "--current",
        tmp_path / "cur.parquet",
        "--format",
        "json",
    )
    assert code == 2
    assert out == ""
    assert str(tmp_path / "ref.parquet") in err
    assert str(tmp_path / "cur.parquet") in err
    assert "column 'code' is int in the reference data but string in the current data" in err


def test_no_rows_exits_2(spark: Any, tmp_path: Path) -> None:
    pd.DataFrame({"x": [1.5]}).to_parquet(tmp_path / "ref.parquet")
    pd.DataFrame({"x": pd.Series([], dtype=float)}).to_parquet(tmp_path / "cur.parquet")
    args = ("--reference", tmp_path / "ref.parquet", "--current", tmp_path / "cur.parquet")
    code, out, err = run("--engine", "spark", *args)
    assert code == 2
    assert out == ""
    assert f"--current {tmp_path / 'cur.parquet'}: no rows" in err


def test_the_cli_and_the_drift_command_load_no_pyspark() -> None:
    code = (
        "import sys, app.cli, app.cli.drift, app.drift;"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')"
        " or m.startswith('app.spark')];"
        "print(loaded)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
