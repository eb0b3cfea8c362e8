"""Flags a command used to die on (exit 3, a traceback's last line) or accept blank.

Bad flags are bad input: exit 2, a message naming the flag, nothing written.
And ``tandem status --format json`` is JSON a strict parser reads, whatever
the stored values are.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from app.cli import cli
from tests.cli.test_ingest_cli import row_counts

HEALTH = (
    "system,timestamp,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms,"
    "cpu_util,mem_util\n"
    "checkout,2026-11-01T10:00:00Z,1200,3,41.5,120,310,0.42,0.61\n"
    "checkout,2026-11-01T10:01:00Z,1100,0,40,130,300,0.40,0.60\n"
)
PRODUCTION = (
    "timestamp,model_version,prediction,label,prediction_id,amount\n"
    "2026-11-01T08:00:00Z,7,0.9,1,p1,10.5\n"
)


def _refused(args: list[str], flag: str) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert flag in result.output
    return result.output


@pytest.mark.parametrize(
    ("kind", "content", "system"),
    [
        ("health", HEALTH, ""),
        ("health", HEALTH, "   "),
        ("health", HEALTH, "s" * 201),
        ("health", HEALTH, "a\x00b"),
        ("production", PRODUCTION, "   "),
        ("production", PRODUCTION, "s" * 300),  # was OSError 36 from mkdir: exit 3
    ],
    ids=["empty", "blank", "201 characters", "NUL", "production blank", "production 300"],
)
def test_bad_system_flag(
    engine: Engine, tmp_path: Path, data_dir: Path, kind: str, content: str, system: str
) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content)
    before = row_counts(engine)
    output = _refused(["ingest", kind, str(path), "--system", system], "--system")
    assert f"{kind}.csv" in output
    assert row_counts(engine) == before
    assert not any(data_dir.rglob("*.parquet"))


DATES = [
    ("--since", "0001-01-01T00:00:00+01:00"),  # before datetime.min once in UTC: OverflowError
    ("--until", "9999-12-31T23:59:59-01:00"),  # after datetime.max once in UTC: OverflowError
    ("--until", "9999-12-31T23:59:59Z"),
    ("--since", "0001-01-01T00:00:00Z"),
]


@pytest.mark.parametrize(("flag", "value"), DATES)
def test_status_date_out_of_range(sqlite_engine: Engine, flag: str, value: str) -> None:
    output = _refused(["status", flag, value], flag)
    assert "1900-01-01" in output


@pytest.mark.parametrize(("flag", "value"), DATES[:2])
def test_import_prometheus_date_out_of_range(sqlite_engine: Engine, flag: str, value: str) -> None:
    """Dates are parsed before any connection, so no server is needed to see the error."""
    dates = {"--since": "2026-11-01T00:00:00Z", "--until": "2026-11-02T00:00:00Z", flag: value}
    args = ["import-prometheus", "--url", "http://127.0.0.1:9", "--system", "checkout"]
    for name, date in dates.items():
        args += [name, date]
    before = row_counts(sqlite_engine)
    _refused(args, flag)
    assert row_counts(sqlite_engine) == before


def _reject_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def strict_json(output: str) -> object:
    """RFC 8259 JSON only: Python's parser accepts NaN and Infinity unless told not to."""
    return json.loads(output, parse_constant=_reject_constant)


def test_status_json_is_strict_with_overflowing_stored_latencies(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Latencies of 1e308 stored before validation bounded them: the sums overflow to inf.

    (PostgreSQL raises on the overflowing product itself, so the values are
    planted in SQLite, which computes inf as the old rollups did.)
    """
    path = tmp_path / "health.csv"
    path.write_text(HEALTH)
    assert CliRunner().invoke(cli, ["ingest", "health", str(path)]).exit_code == 0
    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE health_samples SET latency_p95_ms = 1e308"))
        conn.execute(text("DELETE FROM health_rollups"))
    result = CliRunner().invoke(cli, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = strict_json(result.stdout)
    assert isinstance(report, dict)
    signals = [
        signal
        for lane in report["systems"][0]["lanes"].values()
        for stage in lane["stages"].values()
        for signal in stage["signals"]
    ]
    p95 = next(s for s in signals if s["key"] == "operate.latency_p95_ms")
    assert p95["value"] is None


def test_json_text_writes_non_finite_numbers_as_null() -> None:
    from app.cli import json_text

    data = {"a": [math.nan, math.inf, -math.inf, 1.5], "b": {"c": (math.inf,)}, "d": "NaN"}
    assert strict_json(json_text(data)) == {
        "a": [None, None, None, 1.5],
        "b": {"c": [None]},
        "d": "NaN",
    }


def test_import_prometheus_system_too_long(sqlite_engine: Engine) -> None:
    """Refused before any request (nothing listens on port 9), as the ingest flag is."""
    args = ["import-prometheus", "--url", "http://127.0.0.1:9", "--system", "s" * 201]
    args += ["--since", "2026-11-01T00:00:00Z", "--until", "2026-11-02T00:00:00Z"]
    output = _refused(args, "--system")
    assert "201 characters" in output


BLANK_SYSTEMS = pytest.mark.parametrize(
    "system", ["", "   ", "a\x00b", "s" * 201], ids=["empty", "blank", "NUL", "201 characters"]
)
THRESHOLD_SET = ["thresholds", "set", "ci.pass_rate", "--warn", "0.5", "--critical", "0.4"]


@BLANK_SYSTEMS
def test_thresholds_set_refuses_a_blank_system_instead_of_setting_the_global_bound(
    engine: Engine, system: str
) -> None:
    """``--system ''`` was ``scope = system or ""``: the global threshold, changed quietly."""
    before = row_counts(engine)
    output = _refused([*THRESHOLD_SET, "--system", system], "--system")
    assert "not blank" in output
    assert row_counts(engine) == before


@BLANK_SYSTEMS
@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["status", "--format", "json"],
        ["check"],
        ["runs", "list"],
        ["thresholds", "list"],
        ["import-mlflow", "--tracking-uri", "sqlite:////nonexistent/mlflow.db"],
    ],
    ids=["status", "status json", "check", "runs list", "thresholds list", "import-mlflow"],
)
def test_commands_refuse_a_blank_system(
    sqlite_engine: Engine, tmp_path: Path, command: list[str], system: str
) -> None:
    """Never "every system" or the global scope for a name that is no name."""
    path = tmp_path / "health.csv"
    path.write_text(HEALTH)
    assert CliRunner().invoke(cli, ["ingest", "health", str(path)]).exit_code == 0
    before = row_counts(sqlite_engine)
    _refused([*command, "--system", system], "--system")
    assert row_counts(sqlite_engine) == before


RUNS = (
    "system,run_id,experiment,started_at,finished_at,status,code_commit,train_dataset,"
    "eval_dataset,trigger,metric.test_auc,metric.test_f1\n"
    "checkout,r1,exp,2026-06-14T09:47:11Z,2026-06-14T09:57:03Z,FINISHED,,,,,0.91,0.5\n"
)


def _json_of(args: list[str]) -> object:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return strict_json(result.stdout)


def test_runs_list_json_is_strict_with_non_finite_stored_metrics(
    engine: Engine, tmp_path: Path
) -> None:
    """Stored before validation, or by a writer that allows them (MLflow logs NaN and inf)."""
    path = tmp_path / "runs.csv"
    path.write_text(RUNS)
    assert CliRunner().invoke(cli, ["ingest", "runs", str(path)]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE run_metrics SET value = :inf WHERE key = 'test_auc'"), {"inf": math.inf}
        )
    (run,) = _json_of(["runs", "list", "--format", "json"])  # type: ignore[misc]
    assert run["metrics"] == {"test_auc": None, "test_f1": 0.5}


def test_thresholds_list_json_is_strict_with_non_finite_stored_bounds(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "health.csv"
    path.write_text(HEALTH)
    assert CliRunner().invoke(cli, ["ingest", "health", str(path)]).exit_code == 0
    assert CliRunner().invoke(cli, [*THRESHOLD_SET, "--system", "checkout"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE thresholds SET critical = :inf"), {"inf": -math.inf})
    for args in ([], ["--system", "checkout"]):
        rows = _json_of(["thresholds", "list", "--format", "json", *args])
        assert isinstance(rows, list)
        (row,) = [r for r in rows if r["signal"] == "ci.pass_rate" and r["source"] == "system"]
        assert (row["warn"], row["critical"]) == (0.5, None)


def test_drift_json_is_strict_and_keeps_the_finite_numbers(tmp_path: Path) -> None:
    """Only the non-finite values change: the scores stay exactly as computed."""
    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    reference.write_text("x,y\n" + "".join(f"{i * 0.37:.2f},{i * 1.1:.1f}\n" for i in range(60)))
    current.write_text("x,y\n" + "".join(f"{i * 0.41:.2f},{i * 1.1:.1f}\n" for i in range(60)))
    args = ["drift", "--reference", str(reference), "--current", str(current), "--format", "json"]
    args += ["--method", "wasserstein"]
    plain = _json_of(args)
    unbounded = _json_of([*args, "--threshold", "inf"])
    assert isinstance(plain, dict)
    assert isinstance(unbounded, dict)
    assert [c["threshold"] for c in unbounded["columns"]] == [None, None]
    assert [c["drifted"] for c in unbounded["columns"]] == [False, False]
    scores = [c["score"] for c in plain["columns"]]
    assert [c["score"] for c in unbounded["columns"]] == scores
    assert all(math.isfinite(score) for score in scores)
