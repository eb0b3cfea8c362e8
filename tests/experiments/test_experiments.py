"""The Experiments page's logic: SQL-side runs table, downsampling, compare, overfitting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.experiments.compare import best_cells, compare_runs
from app.experiments.filters import RunQuery, parse_condition
from app.experiments.histories import downsample_minmax, metric_histories
from app.experiments.overfitting import overfit_checks
from app.experiments.table import run_options, runs_page
from app.runs import list_runs


def test_parse_condition() -> None:
    cond = parse_condition(" test_auc>=0.9 ")
    assert cond is not None
    assert (cond.key, cond.op, cond.value) == ("test_auc", ">=", 0.9)
    assert parse_condition("") is None
    for bad in ("test_auc", "> 0.9", "test_auc > high", "auc ~ 1", "x > nan"):
        with pytest.raises(ValueError, match="expected|number"):
            parse_condition(bad)


def test_downsample_keeps_extremes_and_both_ends() -> None:
    values = np.sin(np.linspace(0, 20, 10_000))
    values[4_321] = 50.0  # a spike
    values[7_000] = -50.0
    keep = downsample_minmax(values, 500)
    assert len(keep) <= 500
    assert {0, 4_321, 7_000, 9_999} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)
    assert downsample_minmax(values[:100], 500).tolist() == list(range(100))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=3_000),
    st.integers(min_value=4, max_value=400),
)
def test_downsample_properties(values: list[float], max_points: int) -> None:
    array = np.array(values)
    keep = downsample_minmax(array, max_points)
    assert (
        len(keep) <= max(max_points, len(array) if len(array) <= max_points else 0)
        or len(keep) <= max_points
    )
    assert keep[0] == 0
    assert keep[-1] == len(array) - 1
    assert array[keep].max() == array.max()
    assert array[keep].min() == array.min()


def test_runs_page_filters_sorts_and_pages_in_sql(seeded_engine: Engine) -> None:
    everything = RunQuery()
    options = run_options(seeded_engine, everything)
    assert options.total == len(list_runs(seeded_engine))
    assert "FINISHED" in options.statuses
    assert "test_auc" in options.metrics

    page = runs_page(seeded_engine, everything, page_size=5, page=2)
    assert len(page.rows) == 5
    assert page.total == options.total
    assert page.pages == -(-options.total // 5)
    starts = runs_page(seeded_engine, everything, page_size=500).rows["started_at"]
    assert starts.is_monotonic_decreasing

    query = RunQuery(system="fraud-scoring", condition=parse_condition("test_auc > 0.85"))
    found = runs_page(seeded_engine, query, metrics=["test_auc"], sort="metric:test_auc")
    assert found.total > 0
    assert (found.rows["test_auc"] > 0.85).all()
    assert found.rows["test_auc"].is_monotonic_decreasing
    ascending = runs_page(
        seeded_engine, query, metrics=["test_auc"], sort="metric:test_auc", descending=False
    )
    assert ascending.rows["test_auc"].is_monotonic_increasing

    failed = runs_page(seeded_engine, RunQuery(statuses=("FAILED",)))
    assert set(failed.rows["status"]) <= {"FAILED"}
    assert runs_page(seeded_engine, RunQuery(system="nope")).total == 0


def test_histories_and_compare(seeded_engine: Engine) -> None:
    runs = [r for r in list_runs(seeded_engine, system="fraud-scoring") if r.status == "FINISHED"]
    ids = [r.run_id for r in runs[:3]]
    history = metric_histories(seeded_engine, ids, "val_auc", max_points=10)
    assert set(history["run_id"]) <= set(ids)
    assert not history.empty
    assert history.groupby("run_id").size().max() <= 10

    full = compare_runs(seeded_engine, ids, diff_only=False)
    diff = compare_runs(seeded_engine, ids, diff_only=True)
    assert list(full.columns[2:]) == [i[:8] for i in ids]
    assert len(diff) < len(full)
    assert "experiment" in set(full["name"])
    same = full[full["name"] == "experiment"].iloc[0, 2:]
    assert same.nunique() == 1
    assert "experiment" not in set(diff["name"])  # same experiment for all three

    best = best_cells(full)
    auc = full.index[full["name"] == "test_auc"][0]
    winner = full.loc[auc, full.columns[2:]].astype(float).idxmax()
    assert best.loc[auc, winner]
    loss = full.index[full["name"] == "test_log_loss"][0]
    lowest = full.loc[loss, full.columns[2:]].astype(float).idxmin()
    assert best.loc[loss, lowest]
    assert not best.loc[full["section"] != "metric"].any().any()


def test_overfit_checks_use_the_threshold(seeded_engine: Engine) -> None:
    runs = [r for r in list_runs(seeded_engine, system="fraud-scoring") if r.status == "FINISHED"]
    checks = overfit_checks(seeded_engine, [r.run_id for r in runs])
    assert len(checks) == len(runs)
    assert set(checks["metric"]) == {"auc"}
    row = checks.iloc[0]
    assert row["gap"] == pytest.approx((row["train"] - row["test"]) / row["train"])
    assert set(checks["status"]) <= {"ok", "warn", "critical"}
    expected = np.where(
        checks["gap"] > checks["critical"],
        "critical",
        np.where(checks["gap"] > checks["warn"], "warn", "ok"),
    )
    assert checks["status"].tolist() == expected.tolist()


def test_run_labels_grow_where_prefixes_collide() -> None:
    from app.experiments.compare import run_labels

    assert run_labels(["abcdef0123", "12345678aa"]) == ["abcdef01", "12345678"]
    colliding = ["00000000aaaa1111", "00000000aaaa2222"]
    assert run_labels(colliding) == colliding
    assert len(set(run_labels(["00000000a1", "00000000b2"]))) == 2


def test_run_labels_are_names_made_distinct() -> None:
    from app.experiments.compare import run_label, run_labels

    ids = ["abcdef0123", "12345678aa", "99999999bb"]
    names = {"abcdef0123": "gbm", "12345678aa": "gbm"}
    assert run_labels(ids, names) == ["gbm · abcdef01", "gbm · 12345678", "99999999"]
    assert run_labels(ids, {"abcdef0123": "gbm"}) == ["gbm", "12345678", "99999999"]
    assert run_label("abcdef0123", "gbm") == "gbm"
    assert run_label("abcdef0123", None) == "abcdef01"


def test_runs_table_and_compare_show_run_names_and_tags(seeded_engine: Engine) -> None:
    from tests.experiments.helpers import name_every_run, tag_runs

    everything = RunQuery()
    unnamed = runs_page(seeded_engine, everything, page_size=5).rows
    assert unnamed["run"].tolist() == [r[:8] for r in unnamed["run_id"]]

    names = name_every_run(seeded_engine)
    rows = runs_page(seeded_engine, everything, page_size=5).rows
    assert rows["run"].tolist() == [names[r] for r in rows["run_id"]]
    assert list(rows.columns[:2]) == ["run", "run_id"]

    runs = [r for r in list_runs(seeded_engine, system="fraud-scoring") if r.status == "FINISHED"]
    ids = [r.run_id for r in runs[:3]]
    assert list_runs(seeded_engine, system="fraud-scoring")[0].tags["mlflow.runName"]
    full = compare_runs(seeded_engine, ids, diff_only=False)
    assert list(full.columns[2:]) == [names[i] for i in ids]
    tag_rows = full[full["name"].str.startswith("tag.")]
    assert set(tag_rows["section"]) == {"param"}
    assert set(tag_rows["name"]) == {"tag.mlflow.runName", "tag.team"}  # no mlflow.user
    run_id_row = full[full["name"] == "run_id"].iloc[0, 2:]
    assert run_id_row.tolist() == ids

    # "differences only" covers tags: a tag the runs share drops out, a differing one stays
    tag_runs(seeded_engine, {ids[0]: {"owner": "ana"}, ids[1]: {"owner": "ana"}})
    pair = compare_runs(seeded_engine, ids[:2], diff_only=True)
    assert "tag.owner" not in set(pair["name"])
    assert "tag.mlflow.runName" in set(pair["name"])
    tag_runs(seeded_engine, {ids[2]: {"owner": "bo"}})
    assert "tag.owner" in set(compare_runs(seeded_engine, ids, diff_only=True)["name"])


def test_histories_and_overfitting_use_run_names(seeded_engine: Engine) -> None:
    from app.experiments.compare import run_labels_of
    from tests.experiments.helpers import name_every_run

    names = name_every_run(seeded_engine)
    ids = [r.run_id for r in list_runs(seeded_engine, system="fraud-scoring")[:3]]
    assert run_labels_of(seeded_engine, ids) == {i: names[i] for i in ids}
    assert overfit_checks(seeded_engine, ids)["run"].tolist() == [names[i] for i in ids]
