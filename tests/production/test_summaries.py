"""Per-window summaries: the builder's counts, their JSON form, and the pair shares drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.health.performance import confusion_matrix
from app.production.read_summaries import OTHER, pair_shares, window_file
from app.production.summaries import (
    CATEGORICAL,
    CONFUSION,
    NUMERICAL,
    RESIDUALS,
    CategoryCounts,
    NumericCounts,
    basis_of,
    category_counts,
    category_counts_from,
    column_summaries,
    confusion_counts,
    edges_of,
    from_payload,
    numeric_counts,
    numeric_edges,
    performance_summaries,
    residual_counts,
)


@pytest.mark.parametrize(("low", "high"), [(0.0, 10.0), (-3.5, 2.25), (7.0, 7.0), (1e-9, 3e-9)])
def test_edges_follow_numpy_histogram_bin_edges(low: float, high: float) -> None:
    expected = np.histogram_bin_edges(np.array([low, high]), bins=30)
    assert numeric_edges(low, high) == tuple(expected)


def test_numeric_counts_equal_numpy_histogram_inside_and_count_the_rest() -> None:
    rng = np.random.default_rng(3)
    reference = rng.normal(size=1000)
    edges = edges_of(pd.Series(reference))
    assert edges is not None
    current = np.concatenate([rng.normal(0.5, 1.5, size=2000), [np.nan, np.inf, -np.inf]])
    counts = numeric_counts(pd.Series(current), edges)
    finite = current[np.isfinite(current)]
    inside = finite[(finite >= edges[0]) & (finite <= edges[-1])]
    assert counts.counts == tuple(np.histogram(inside, edges)[0])
    assert counts.below == int((finite < edges[0]).sum()) > 0
    assert counts.above == int((finite > edges[-1]).sum()) > 0
    assert counts.missing == 3
    assert counts.finite + counts.missing == len(current)


def test_a_value_on_an_edge_goes_to_the_upper_bin_and_the_last_edge_to_the_last_bin() -> None:
    edges = numeric_edges(0.0, 3.0, bins=3)  # 0, 1, 2, 3
    counts = numeric_counts(pd.Series([0.0, 1.0, 2.0, 3.0, None]), edges)
    assert counts.counts == (1, 1, 2)
    assert (counts.below, counts.above, counts.missing) == (0, 0, 1)


def test_non_numbers_in_a_numerical_column_count_as_missing() -> None:
    counts = numeric_counts(pd.Series(["1", "x", None, "2.5"], dtype=object), (0.0, 1.5, 3.0))
    assert counts.counts == (1, 1)
    assert counts.missing == 2


def test_category_counts_keep_the_top_ties_by_value_and_the_reference_s() -> None:
    values = pd.Series(["b", "a", "a", "c", "b", "d", None, "e"])
    counts = category_counts(values, keep=("e", "zz"), top=2)
    assert dict(counts.counts) == {"a": 2, "b": 2, "e": 1, "zz": 0}  # the reference's: kept
    assert (counts.other, counts.missing) == (2, 1)  # c and d; the None
    assert counts.present == 7


def test_category_counts_from_a_group_by_equal_those_from_rows() -> None:
    values = pd.Series([True, False, True, None, True])
    grouped = {"True": 3, "False": 1}
    assert category_counts_from(grouped, missing=1) == category_counts(values)


def test_confusion_counts_equal_the_row_based_confusion_matrix() -> None:
    rows = pd.DataFrame(
        {
            "label": [0, 1, 1, 0, 1, None, 0, 1],
            "prediction": [0.1, 0.9, 0.4, 0.6, 0.5, 0.7, np.nan, 0.2],
        }
    )
    counts = confusion_counts(rows["label"], rows["prediction"])
    assert np.array_equal(np.array(counts.counts), confusion_matrix(rows).to_numpy())
    assert counts.counts == ((1, 1), (2, 2))


def test_residual_counts_hold_every_labelled_row() -> None:
    rng = np.random.default_rng(5)
    labels = pd.Series(np.where(rng.random(500) < 0.2, np.nan, rng.normal(10, 2, 500)))
    predictions = pd.Series(rng.normal(10, 2, 500))
    cells = residual_counts(labels, predictions)
    assert cells is not None
    labelled = labels.notna()
    assert cells.rows == int(labelled.sum()) == int(np.asarray(cells.counts).sum())
    residual = (labels - predictions)[labelled]
    assert cells.mean_residual == pytest.approx(float(residual.mean()))
    assert cells.residual_edges == numeric_edges(float(residual.min()), float(residual.max()))
    per_prediction_bin = np.asarray(cells.counts).sum(axis=1)
    assert tuple(per_prediction_bin) == tuple(
        np.histogram(predictions[labelled], cells.prediction_edges)[0]
    )
    assert residual_counts(pd.Series([np.nan]), pd.Series([0.5])) is None


def test_every_summary_survives_its_json_form() -> None:
    rows = pd.DataFrame(
        {
            "x": [1.0, 2.0, 5.0],
            "c": ["a", "b", "a"],
            "label": [0, 1, 1],
            "prediction": [0.2, 0.8, 0.3],
        }
    )
    basis = basis_of(rows, {"x": NUMERICAL, "c": CATEGORICAL, "label": "other"})
    summaries = {**column_summaries(rows, basis), **performance_summaries(rows)}
    assert set(summaries) == {
        (NUMERICAL, "x"),
        (CATEGORICAL, "c"),
        (CONFUSION, ""),
        (RESIDUALS, ""),
    }
    for (kind, _), summary in summaries.items():
        assert from_payload(kind, summary.to_payload()) == summary


def test_windows_share_their_reference_s_bins() -> None:
    reference = pd.DataFrame({"x": [0.0, 10.0, 5.0], "c": ["a", "b", "b"]})
    basis = basis_of(reference, {"x": NUMERICAL, "c": CATEGORICAL})
    window = column_summaries(pd.DataFrame({"x": [-1.0, 3.0, 20.0], "c": ["z", "a", "a"]}), basis)
    x = window[(NUMERICAL, "x")]
    assert isinstance(x, NumericCounts)
    assert x.edges == numeric_edges(0.0, 10.0)
    assert (x.below, x.above, sum(x.counts)) == (1, 1, 1)
    c = window[(CATEGORICAL, "c")]
    assert isinstance(c, CategoryCounts)
    assert dict(c.counts) == {"a": 2, "b": 0, "z": 1}  # the reference's "b": known to be 0


def test_numeric_pair_shares_add_outside_bars_only_when_needed() -> None:
    edges = numeric_edges(0.0, 3.0, bins=3)
    reference = numeric_counts(pd.Series([0.5, 1.5, 2.5, 2.5]), edges)
    inside = numeric_counts(pd.Series([0.5, 0.5]), edges)
    shares = pair_shares(reference, inside)
    assert shares is not None
    assert shares["bin"].tolist() == [0.5, 1.5, 2.5]
    assert shares["reference"].tolist() == [0.25, 0.25, 0.5]
    assert shares["current"].tolist() == [1.0, 0.0, 0.0]
    outside = numeric_counts(pd.Series([-5.0, 0.5, 9.0, 9.0, None]), edges)
    shares = pair_shares(reference, outside)
    assert shares is not None
    assert shares["bin"].tolist() == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert shares["current"].tolist() == [0.25, 0.25, 0.0, 0.0, 0.5]
    other_bins = numeric_counts(pd.Series([1.0]), numeric_edges(0.0, 4.0, bins=3))
    assert pair_shares(reference, other_bins) is None
    assert pair_shares(reference, category_counts(pd.Series(["a"]))) is None


def test_categorical_pair_shares_equal_value_counts_when_nothing_is_cut() -> None:
    ref = pd.Series(["a", "b", "b", None, "c"])
    cur = pd.Series(["b", "d", "d", "d"])
    reference = category_counts(ref)
    shares = pair_shares(reference, category_counts(cur, tuple(reference.counts)))
    assert shares is not None
    expected = pd.concat(
        [
            ref.dropna().value_counts(normalize=True).rename("reference"),
            cur.value_counts(normalize=True).rename("current"),
        ],
        axis=1,
    ).fillna(0.0)
    assert shares.set_index("bin").sort_index().equals(expected.sort_index().rename_axis("bin"))
    assert shares["bin"].iloc[0] == "b"  # the reference's most frequent first


def test_categorical_pair_shares_fold_what_a_side_does_not_know_into_other() -> None:
    reference = category_counts(pd.Series(["a"] * 5 + ["b"] * 3 + ["c"]), top=2)  # c: other
    current = category_counts(pd.Series(["a", "c", "c", "d"]), keep=("a", "b"), top=2)
    shares = pair_shares(reference, current)
    assert shares is not None
    assert shares["bin"].tolist() == ["a", "b", OTHER]  # c, d: the reference cut them
    assert shares["reference"].tolist() == pytest.approx([5 / 9, 3 / 9, 1 / 9])
    assert shares["current"].tolist() == pytest.approx([0.25, 0.0, 0.75])


def test_only_a_data_dir_file_counts_as_a_window_s_local_rows(data_dir: Path) -> None:
    (data_dir / "production").mkdir(parents=True)
    local = data_dir / "production" / "w.parquet"
    local.write_bytes(b"PAR1")
    assert window_file("production/w.parquet") == local
    assert window_file("production/gone.parquet") is None
    assert window_file(f"file://{local}") is None  # a lake window's location, even on this disk
    assert window_file(str(local)) is None
    assert window_file("s3a://lake/fraud/") is None
