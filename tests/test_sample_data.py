"""The sample-data generator: determinism against the committed files and the planted story.

Generation runs once per module (a few seconds) into a temporary directory; the committed
``sample_data/`` must be exactly what the generator writes today, so a change to the generator
without regenerating (``make sample-data``) fails here.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.sample_data import generate

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "sample_data"
PACKAGE = ROOT / "app" / "sample_data"
ENDS_AT = pd.Timestamp("2026-11-01T00:00:00+00:00")
STARTS_AT = ENDS_AT - pd.Timedelta(days=90)
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
CSV_TIME_COLUMNS = {
    "datasets": ["created_at"],
    "pipelines": ["started_at", "finished_at"],
    "deployments": ["committed_at", "deployed_at"],
    "incidents": ["opened_at", "resolved_at"],
    "runs": ["started_at", "finished_at"],
    "models": ["registered_at"],
    "kpis": ["timestamp"],
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample_data")
    generate(path)
    return path


@pytest.fixture(scope="module")
def manifest(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return result


def table(out: Path, kind: str) -> pd.DataFrame:
    """A generated CSV with its timestamp columns parsed."""
    return pd.read_csv(out / f"{kind}.csv", parse_dates=CSV_TIME_COLUMNS.get(kind, []))


def day(timestamps: pd.Series) -> pd.Series:
    return (timestamps - STARTS_AT).dt.days


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# --- contract -------------------------------------------------------------------------------


def test_manifest_lists_every_file_in_load_order(out: Path, manifest: dict[str, Any]) -> None:
    paths = [entry["path"] for entry in manifest["files"]]
    assert files_under(out) == set(paths) | {"manifest.json"}
    assert manifest["ends_at"] == "2026-11-01T00:00:00+00:00"
    assert manifest["generator"] == "python -m app.sample_data"
    assert isinstance(manifest["seed"], int)
    kinds = [entry["kind"] for entry in manifest["files"]]
    first = {kind: kinds.index(kind) for kind in set(kinds)}
    assert first["datasets"] < first["runs"] < first["metrics"]
    assert first["runs"] < first["models"] < first["deployments"] < first["production"]
    production = [e for e in manifest["files"] if e["kind"] == "production"]
    assert {e["system"] for e in production} == {"fraud-scoring", "demand-forecast"}
    assert all(isinstance(e["reference"], bool) for e in production)


def test_output_matches_committed_sample_data(out: Path, manifest: dict[str, Any]) -> None:
    assert files_under(COMMITTED) == files_under(out), "run `make sample-data` and commit"
    assert (COMMITTED / "manifest.json").read_bytes() == (out / "manifest.json").read_bytes()
    for entry in manifest["files"]:
        path = entry["path"]
        if path.endswith(".csv"):
            assert (COMMITTED / path).read_bytes() == (out / path).read_bytes(), path
        else:
            pd.testing.assert_frame_equal(
                pd.read_parquet(COMMITTED / path), pd.read_parquet(out / path), obj=path
            )


def test_total_size_is_small(out: Path) -> None:
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 25_000_000


def test_generator_imports_neither_streamlit_nor_other_app_modules() -> None:
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("streamlit"), source.name
                assert not name.startswith("app") or name.startswith("app.sample_data"), name


def test_csv_timestamps_are_iso_utc_and_inside_the_window(out: Path) -> None:
    earliest = STARTS_AT - pd.Timedelta(days=60)  # initial training predates the window
    for kind, columns in CSV_TIME_COLUMNS.items():
        raw = pd.read_csv(out / f"{kind}.csv", dtype=str, keep_default_na=False)
        for column in columns:
            values = raw[column][raw[column] != ""]
            assert values.map(lambda v: bool(ISO_UTC.match(v))).all(), (kind, column)
            parsed = pd.to_datetime(values)
            assert parsed.max() < ENDS_AT, (kind, column)
            lower = earliest if kind in ("datasets", "runs", "models") else STARTS_AT
            assert parsed.min() >= lower, (kind, column)


def test_health_has_every_five_minutes_and_ordered_percentiles(out: Path) -> None:
    health = pd.read_parquet(out / "health.parquet")
    assert health.groupby("system").size().to_dict() == {
        "checkout-api": 25_920,
        "demand-forecast": 25_920,
        "fraud-scoring": 25_920,
    }
    assert health["timestamp"].min() == STARTS_AT
    assert health["timestamp"].max() == ENDS_AT - pd.Timedelta(minutes=5)
    assert (health["latency_p50_ms"] < health["latency_p95_ms"]).all()
    assert (health["latency_p95_ms"] < health["latency_p99_ms"]).all()
    for column in ("cpu_util", "mem_util"):
        assert health[column].between(0, 1).all(), column
    assert (health["errors"] <= health["requests"]).all()


def test_links_between_tables_resolve(out: Path) -> None:
    runs, models = table(out, "runs"), table(out, "models")
    deployments, incidents = table(out, "deployments"), table(out, "incidents")
    assert runs["run_id"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert set(models["run_id"]) <= set(runs["run_id"])
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert set(metrics["run_id"]) == set(runs.loc[runs["status"] == "FINISHED", "run_id"])
    datasets = table(out, "datasets")
    refs = set(datasets["name"] + "@" + datasets["version"])
    assert set(runs["train_dataset"]) | set(runs["eval_dataset"]) <= refs
    linked = incidents.dropna(subset=["deployment_id"])
    pairs = set(zip(deployments["system"], deployments["deployment_id"], strict=True))
    assert set(zip(linked["system"], linked["deployment_id"], strict=True)) <= pairs
    model_deploys = deployments[deployments["kind"] == "model"]
    assert model_deploys["model_version"].notna().all()
    assert deployments.loc[deployments["kind"] == "service", "model_version"].isna().all()


def test_final_metrics_equal_the_last_history_step(out: Path) -> None:
    runs = table(out, "runs").set_index("run_id")
    metrics = pd.read_parquet(out / "metrics.parquet")
    ends_on = {
        "fraud-scoring": {
            "train_loss": "train_log_loss",
            "val_loss": "test_log_loss",
            "val_auc": "test_auc",
        },
        "demand-forecast": {
            "train_loss": "train_rmse",
            "val_loss": "test_rmse",
            "val_mae": "test_mae",
        },
    }
    last = metrics.sort_values("step").groupby(["run_id", "key"], as_index=False).last()
    for row in last.itertuples():
        run = runs.loc[str(row.run_id)]
        metric = ends_on[str(run["system"])][str(row.key)]
        assert row.value == pytest.approx(run[f"metric.{metric}"]), (row.run_id, row.key)
    assert metrics.groupby("run_id")["step"].nunique().between(30, 80).all()


# --- the story ------------------------------------------------------------------------------


def test_exactly_one_champion_per_model(out: Path) -> None:
    models = table(out, "models")
    champions = models[models["alias"] == "champion"].groupby("model_name")["version"].agg(list)
    assert champions.to_dict() == {"demand-model": [2], "fraud-model": [3]}
    fraud = models[models["model_name"] == "fraud-model"].set_index("version")["alias"]
    assert fraud.to_dict() == {
        1: "archived",
        2: "archived",
        3: "champion",
        4: "archived",
        5: "challenger",
    }


def test_fraud_v4_release_was_rolled_back_and_v3_restored(out: Path) -> None:
    deployments = table(out, "deployments")
    prod = deployments[
        (deployments["system"] == "fraud-scoring")
        & (deployments["kind"] == "model")
        & (deployments["environment"] == "production")
    ].sort_values("deployed_at")
    assert list(zip(prod["model_version"], prod["status"], strict=True)) == [
        (2, "success"),
        (3, "success"),
        (4, "rolled_back"),
        (3, "success"),
    ]
    assert list(day(prod["deployed_at"])) == [10, 62, 75, 76]
    v4 = prod.iloc[2]
    incidents = table(out, "incidents")
    model_incident = incidents[incidents["deployment_id"] == v4["deployment_id"]].iloc[0]
    assert (model_incident["cause"], model_incident["severity"]) == ("model", "sev2")
    runs = table(out, "runs").set_index("run_id")
    models = table(out, "models")
    v4_run_id = models.loc[
        (models["model_name"] == "fraud-model") & (models["version"] == 4), "run_id"
    ].iloc[0]
    v4_run = runs.loc[str(v4_run_id)]
    assert v4["commit_sha"] == v4_run["code_commit"]
    assert v4["committed_at"] == v4_run["finished_at"]
    assert v4_run["trigger"] == "code_change"
    assert v4_run["metric.train_auc"] - v4_run["metric.test_auc"] > 0.1  # overfit


def test_checkout_has_an_open_sev1_and_a_bad_last_week(out: Path) -> None:
    incidents = table(out, "incidents")
    still_open = incidents[incidents["resolved_at"].isna()]
    assert list(zip(still_open["system"], still_open["severity"], strict=True)) == [
        ("checkout-api", "sev1")
    ]
    health = pd.read_parquet(out / "health.parquet")
    checkout = health[health["system"] == "checkout-api"]
    error_rate = checkout["errors"] / checkout["requests"]
    late = day(checkout["timestamp"]) >= 87
    assert error_rate[late & (error_rate > 0.03)].size >= 8 * 12  # hours of ~4% errors a day
    assert error_rate[~late & (day(checkout["timestamp"]) < 85)].median() < 0.002
    assert checkout.loc[late, "latency_p95_ms"].max() > 800


def test_fraud_data_incident_shows_in_production_rows(out: Path) -> None:
    rows = pd.read_parquet(out / "production/fraud-scoring/windows.parquet")
    broken = day(rows["timestamp"]).between(30, 36)
    missing = rows["merchant_risk"].isna()
    assert 0.3 < missing[broken].mean() < 0.5
    assert missing[~broken].mean() < 0.05
    assert rows.loc[broken, "distance_km"].max() > 10_000  # metres, not km


def test_fraud_labels_arrive_after_seven_days(out: Path) -> None:
    rows = pd.read_parquet(out / "production/fraud-scoring/windows.parquet")
    pending = rows["timestamp"] >= ENDS_AT - pd.Timedelta(days=7)
    assert rows.loc[pending, "label"].isna().all()
    assert rows.loc[~pending, "label"].isin([0.0, 1.0]).all()
    assert rows["prediction_id"].is_unique
    assert rows["prediction"].between(0, 1).all()


def test_production_model_versions_follow_deployments(out: Path) -> None:
    rows = pd.read_parquet(out / "production/fraud-scoring/windows.parquet")
    days = day(rows["timestamp"])
    served = {d: set(rows.loc[days == d, "model_version"]) for d in (0, 20, 70, 75, 89)}
    assert served == {0: {1}, 20: {2}, 70: {3}, 75: {3, 4}, 89: {3}}
    assert 5 not in set(rows["model_version"])
    v4_mean = rows.loc[rows["model_version"] == 4, "prediction"].mean()
    assert v4_mean > 2 * rows.loc[days == 74, "prediction"].mean()  # alert rate blew up
    demand = pd.read_parquet(out / "production/demand-forecast/windows.parquet")
    assert set(demand["model_version"]) == {1, 2}
    assert demand.loc[demand["timestamp"] >= ENDS_AT - pd.Timedelta(days=2), "label"].isna().all()


def test_reference_files_predate_their_registration(out: Path, manifest: dict[str, Any]) -> None:
    models = table(out, "models").set_index(["system", "version"])
    references = [e for e in manifest["files"] if e["kind"] == "production" and e["reference"]]
    assert {(e["system"], e["model_version"]) for e in references} == {
        ("fraud-scoring", v) for v in (1, 2, 3, 4)
    } | {("demand-forecast", v) for v in (1, 2)}
    for entry in references:
        ref = pd.read_parquet(out / entry["path"])
        registered = models.loc[(entry["system"], entry["model_version"]), "registered_at"]
        assert ref["timestamp"].max() < registered
        assert ref["label"].notna().all()
        assert (ref["model_version"] == entry["model_version"]).all()


def test_demand_ci_broke_and_delivery_slowed(out: Path) -> None:
    pipelines = table(out, "pipelines")
    demand = pipelines[pipelines["system"] == "demand-forecast"]
    late = day(demand["started_at"]) >= 69
    success = demand["status"] == "success"
    assert success[late].mean() < 0.7 < 0.9 < success[~late].mean()
    assert (demand.loc[demand["status"] == "failed", "tests_failed"] > 0).all()
    minutes = (demand["finished_at"] - demand["started_at"]).dt.total_seconds() / 60
    passing = minutes[success]  # failed runs stop early
    assert passing[day(demand["started_at"]) >= 85].median() > 30 > 18 > passing[~late].median()
    deployments = table(out, "deployments")
    services = deployments[
        (deployments["system"] == "demand-forecast") & (deployments["kind"] == "service")
    ]
    recent = services[day(services["deployed_at"]) >= 60]
    lead_h = (recent["deployed_at"] - recent["committed_at"]).dt.total_seconds() / 3600
    assert len(recent) <= 6
    assert lead_h.between(48, 120).all()
    assert (recent["status"] == "failed").sum() == 1
    runs = table(out, "runs")
    last_training = runs.loc[runs["system"] == "demand-forecast", "finished_at"].max()
    assert (ENDS_AT - last_training).days >= 60


def test_fraud_live_auc_dips_during_the_events(out: Path) -> None:
    rows = pd.read_parquet(out / "production/fraud-scoring/windows.parquet")
    days = day(rows["timestamp"])

    def auc(part: pd.DataFrame) -> float:
        ranks = part["prediction"].rank().to_numpy()
        positive = part["label"].to_numpy() == 1
        n_pos, n_neg = positive.sum(), (~positive).sum()
        return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))

    normal = auc(rows[days.between(10, 29)])
    assert normal > 0.87
    assert auc(rows[days.between(31, 35)]) < normal - 0.04
    assert auc(rows[rows["model_version"] == 4]) < normal - 0.05
    assert np.isfinite(normal)
