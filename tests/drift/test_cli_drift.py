"""``tandem drift`` through click's CliRunner: contract, bad input, agreement on unseen data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from app.cli.drift import METHOD_NAMES, drift
from app.drift import METHODS
from tests.drift.oracle import assert_same, evidently_drift


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(drift, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    root = tmp_path_factory.mktemp("drift")
    reference = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "code": rng.choice(["a", "b", "c"], 300),
            "n": rng.integers(0, 4, 300),
        }
    )
    current = pd.DataFrame(
        {
            "x": rng.normal(1, size=250),
            "code": rng.choice(["a", "b", "c"], 250),
            "n": rng.integers(0, 4, 250),
        }
    )
    reference.to_csv(root / "ref.csv", index=False)
    current.to_parquet(root / "cur.parquet", index=False)
    return root / "ref.csv", root / "cur.parquet"


def test_json_has_exactly_the_design_shape(files: tuple[Path, Path]) -> None:
    code, out, _ = run("--reference", files[0], "--current", files[1], "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert list(report) == [
        "dataset_drift",
        "drift_share",
        "drifted_columns",
        "total_columns",
        "columns",
    ]
    assert [list(c) for c in report["columns"]] == [
        ["column", "kind", "method", "score", "threshold", "drifted"]
    ] * 3
    x = report["columns"][0]
    assert (x["column"], x["kind"], x["method"], x["drifted"]) == ("x", "numerical", "ks", True)


def test_table_and_options(files: tuple[Path, Path]) -> None:
    code, out, _ = run(
        "--reference",
        files[0],
        "--current",
        files[1],
        "--method",
        "psi",
        "--threshold",
        "0.2",
        "--categorical",
        "n",
        "--drift-share",
        "0.9",
    )
    assert code == 0
    assert "psi" in out
    assert "0.2" in out
    assert "Dataset drift not detected: 1 of 3 columns" in out


def test_column_types_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    types = tmp_path / "types.json"
    types.write_text(json.dumps({"n": "numerical"}))
    code, out, _ = run(
        "--reference", files[0], "--current", files[1], "--column-types", types, "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["columns"][2] == {
        **json.loads(out)["columns"][2],
        "kind": "numerical",
        "method": "chisquare",
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "nope"], "'nope' is not one of"),
        (["--column-types", "{missing}"], "types.json"),
        (["--column-types", "{bad_json}"], "not a JSON file"),
        (["--column-types", "{bad_kind}"], 'to "numerical" or "categorical"'),
        (["--categorical", "n", "--column-types", "{bad_kind}"], "not both"),
        (["--categorical", "zzz"], "not in both files: zzz"),
        (["--method", "ks", "--categorical", "x"], "does not apply to categorical column 'x'"),
        (["--threshold", "nan"], "expected a number above 0, got nan"),
        (["--threshold", "0"], "expected a number above 0, got 0"),
        (["--threshold", "-0.1"], "expected a number above 0, got -0.1"),
    ],
)
def test_bad_input_exits_2(
    files: tuple[Path, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "kind.json").write_text('{"x": "ordinal"}')
    paths = {
        "missing": tmp_path / "types.json",
        "bad_json": tmp_path / "bad.json",
        "bad_kind": tmp_path / "kind.json",
    }
    code, _, err = run(
        "--reference", files[0], "--current", files[1], *[e.format(**paths) for e in extra]
    )
    assert code == 2
    assert message in err


def test_bad_files_exit_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    code, _, err = run("--reference", tmp_path / "nope.csv", "--current", files[1])
    assert code == 2
    assert "nope.csv: file not found" in err
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    code, _, err = run("--reference", files[0], "--current", broken)
    assert code == 2
    assert "broken.parquet: cannot read" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run("--reference", empty, "--current", files[1])
    assert code == 2
    assert "empty.csv" in err
    other = tmp_path / "other.csv"
    pd.DataFrame({"q": [1.0, 2.0]}).to_csv(other, index=False)
    code, _, err = run("--reference", other, "--current", files[1])
    assert code == 2
    assert "no column in common" in err


def test_method_choices_are_the_engine_s() -> None:
    assert sorted(METHOD_NAMES) == sorted(METHODS)


def test_html_is_evidently_s_report(files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run("--reference", files[0], "--current", files[1], "--html", out)
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Dataset Drift" in html
    assert "Drift in column" in html or "Data Drift" in html


def _split_by_feature(frame: pd.DataFrame, feature: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    low = frame[feature] <= frame[feature].median()
    return frame[low].drop(columns=[feature]), frame[~low].drop(columns=[feature])


@pytest.mark.parametrize(
    ("loader", "feature"),
    [("load_breast_cancer", "mean radius"), ("load_diabetes", "bmi"), ("load_digits", None)],
)
def test_cli_agrees_with_evidently_on_unseen_data(
    tmp_path: Path, loader: str, feature: str | None
) -> None:
    """Data the project never generated: scikit-learn's bundled datasets, split by a feature
    (digits: first 1,100 rows vs the rest, so the reference takes Evidently's large-data path)."""
    import sklearn.datasets

    frame = getattr(sklearn.datasets, loader)(as_frame=True).frame
    if feature is None:
        reference, current = frame.iloc[:1100], frame.iloc[1100:]
    else:
        reference, current = _split_by_feature(frame, feature)
    reference.to_csv(tmp_path / "ref.csv", index=False)
    current.to_parquet(tmp_path / "cur.parquet", index=False)
    code, out, err = run(
        "--reference",
        tmp_path / "ref.csv",
        "--current",
        tmp_path / "cur.parquet",
        "--format",
        "json",
    )
    assert code == 0, err
    theirs = evidently_drift(
        pd.read_csv(tmp_path / "ref.csv"), pd.read_parquet(tmp_path / "cur.parquet")
    )
    assert_same(json.loads(out), theirs)
