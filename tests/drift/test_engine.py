"""Unit tests of the drift engine: rules, kinds, helpers against NumPy/SciPy, errors, API."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import app.drift
from app.drift import (
    DriftInputError,
    UnknownMethodError,
    benjamini_hochberg,
    compute_drift,
    infer_kind,
    method_family,
    redecide,
)
from app.drift import engine as engine_module
from app.drift.columns import ColumnData, count_distinct
from app.drift.stattests import (
    _histogram,
    _sturges_edges,
    binned_shares,
    jensenshannon,
    wasserstein,
)


def test_public_api_is_deliberate() -> None:
    assert sorted(app.drift.__all__) == sorted(
        [
            "METHODS",
            "ColumnDrift",
            "DriftInputError",
            "DriftReport",
            "SkippedColumn",
            "UnknownMethodError",
            "apply_family_thresholds",
            "benjamini_hochberg",
            "compute_drift",
            "infer_kind",
            "is_numerical",
            "method_family",
            "redecide",
        ]
    )
    for name in app.drift.__all__:
        assert getattr(app.drift, name) is not None


@pytest.mark.parametrize(
    ("method", "score", "threshold", "drifted"),
    [
        ("ks", 0.05, 0.05, True),  # ks: p <= threshold
        ("ks", 0.0500001, 0.05, False),
        ("chisquare", 0.05, 0.05, False),  # other p-value tests: p < threshold
        ("chisquare", 0.0499, 0.05, True),
        ("z", 0.05, 0.05, False),
        ("wasserstein", 0.1, 0.1, True),  # distances: score >= threshold
        ("jensenshannon", 0.0999, 0.1, False),
        ("psi", 0.1, 0.1, True),
        ("kl_div", 0.2, 0.1, True),
        ("hellinger", 0.0, 0.1, False),
        ("ks", math.nan, 0.05, False),
        ("wasserstein", math.nan, 0.1, False),
    ],
)
def test_redecide_is_evidently_s_rule(
    method: str, score: float, threshold: float, drifted: bool
) -> None:
    assert redecide(score, method, threshold) is drifted


def test_method_family() -> None:
    assert {m: method_family(m) for m in ("ks", "chisquare", "z")} == dict.fromkeys(
        ("ks", "chisquare", "z"), "p_value"
    )
    for m in ("wasserstein", "jensenshannon", "psi", "kl_div", "hellinger"):
        assert method_family(m) == "distance"
    with pytest.raises(UnknownMethodError, match="unknown drift method 'anderson'"):
        method_family("anderson")


@pytest.mark.parametrize(
    ("series", "kind"),
    [
        (pd.Series([0.5, 1.0, 1.0]), "numerical"),
        (pd.Series([1, 2, 3] * 3), "categorical"),
        (pd.Series(range(11)), "numerical"),
        (pd.Series(["a", "b"] * 3), "categorical"),
        (pd.Series(["a", "b", "c"]), "text"),
        (pd.Series([True, False]), "categorical"),
        (pd.Series(["x", "y"] * 2, dtype="category"), "categorical"),
        (pd.Series(np.arange(20, dtype=np.uint8)), "unknown"),  # Evidently: only "int*" dtypes
        (pd.Series([1, None] * 20, dtype="Int64"), "unknown"),
        (pd.Series(pd.to_datetime(["2024-01-01"] * 2)), "datetime"),
        (pd.Series([None, None], dtype=object), "unknown"),
        (pd.Series([[1], [2]]), "list"),
    ],
)
def test_infer_kind_matches_evidently(series: pd.Series, kind: str) -> None:
    from evidently.core.datasets import infer_column_type

    assert infer_kind(series) == kind
    assert infer_column_type(series).value == {"numerical": "num", "categorical": "cat"}.get(
        kind, kind
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-30, 30), min_size=1, max_size=60),
    st.lists(st.integers(-30, 30), min_size=1, max_size=60),
    st.sampled_from([1.0, 0.25, 1e-3]),
)
def test_wasserstein_merge_equals_scipy(u: list[int], v: list[int], scale: float) -> None:
    ref, cur = pd.Series(np.array(u) * scale), pd.Series(np.array(v) * scale)
    col = ColumnData.from_series("c", ref, cur)
    expected = stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001)
    assert math.isclose(wasserstein(col, "numerical"), expected, rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-30, 30), st.integers(-30, 30)), min_size=1, max_size=60))
def test_wasserstein_equal_sizes_equals_scipy(pairs: list[tuple[int, int]]) -> None:
    ref, cur = pd.Series([p[0] * 0.1 for p in pairs]), pd.Series([p[1] * 0.1 for p in pairs])
    col = ColumnData.from_series("c", ref, cur)
    expected = stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001)
    assert math.isclose(wasserstein(col, "numerical"), expected, rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-30, 30), min_size=1, max_size=60),
    st.lists(st.integers(-30, 30), min_size=1, max_size=60),
    st.sampled_from(["numerical", "categorical"]),
)
def test_jensenshannon_equals_scipy(u: list[int], v: list[int], kind: str) -> None:
    from scipy.spatial import distance

    col = ColumnData.from_series("c", pd.Series(u), pd.Series(v))
    ref_shares, cur_shares = binned_shares(col, kind, fill_zeroes=False)
    expected = float(distance.jensenshannon(ref_shares, cur_shares))
    assert math.isclose(jensenshannon(col, kind), expected, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=80), st.booleans())
def test_sturges_edges_and_histogram_equal_numpy(values: list[int], as_float: bool) -> None:
    data = np.sort(
        np.array(values, dtype=np.float64 if as_float else np.int64) * (0.37 if as_float else 1)
    )
    edges = _sturges_edges(data[0], data[-1], len(data), not as_float)
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(data, bins="sturges"))
    np.testing.assert_array_equal(_histogram(data, edges), np.histogram(data, edges)[0])


def test_count_distinct_stops_at_cap() -> None:
    ordered = np.sort(np.arange(1000) % 37)
    assert count_distinct(ordered, 5) == 6
    assert count_distinct(ordered, 100) == 37
    assert count_distinct(ordered[:0], 5) == 0


def test_inf_is_missing_and_missing_is_dropped_per_side() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0, np.inf, np.nan, 3.0, -np.inf, 4.0, 5.0, 6.0]})
    current = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan]})
    clean = compute_drift(reference.dropna().query("a.abs() < inf"), current.dropna())
    assert compute_drift(reference, current).columns == clean.columns


def test_benjamini_hochberg_known_values() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.20, math.nan])
    np.testing.assert_allclose(q[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    np.testing.assert_allclose(q[:4], stats.false_discovery_control([0.01, 0.04, 0.03, 0.20]))
    assert math.isnan(q[4])


def test_correction_is_off_by_default_and_only_touches_p_values() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({f"c{i}": rng.normal(size=200) for i in range(5)})
    current = pd.DataFrame({f"c{i}": rng.normal(0.22 * i, size=150) for i in range(5)})
    plain = compute_drift(reference, current)
    corrected = compute_drift(reference, current, correction="bh")
    assert all(c.raw_score is None for c in plain.columns)
    assert corrected.correction == "bh"
    for before, after in zip(plain.columns, corrected.columns, strict=True):
        assert after.raw_score == before.score
        assert after.score >= before.score
        assert after.drifted == redecide(after.score, after.method, after.threshold)
    forced = compute_drift(reference, current, method="psi", correction="bh")
    assert all(c.raw_score is None for c in forced.columns)
    with pytest.raises(DriftInputError, match="unknown correction"):
        compute_drift(reference, current, correction="bonferroni")


def test_report_shape_and_rethreshold() -> None:
    # A datetime column is skipped (free text is tested: tests/drift/test_text.py)
    days = pd.date_range("2025-01-01", periods=100, freq="D")
    reference = pd.DataFrame({"x": np.arange(100.0), "t": days})
    current = pd.DataFrame({"x": np.arange(100.0) + 30, "t": days})
    report = compute_drift(reference, current)
    assert [s.column for s in report.skipped] == ["t"]
    assert report.to_dict() == {
        "dataset_drift": True,
        "drift_share": 1.0,
        "drifted_columns": 1,
        "total_columns": 1,
        "columns": [report.columns[0].to_dict()],
    }
    x = report.column("x")
    assert x.with_threshold(x.score / 2).drifted is False
    assert x.with_threshold(x.score).drifted is True


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "nope"}, UnknownMethodError, "unknown drift method 'nope'"),
        ({"method": "ks", "column_kinds": {"x": "categorical"}}, DriftInputError, "does not apply"),
        ({"method": "chisquare"}, DriftInputError, "does not apply to numerical column 'x'"),
        ({"column_kinds": {"s": "numerical"}, "columns": ["s"]}, DriftInputError, "non-numeric"),
        ({"column_kinds": {"x": "ordinal"}}, DriftInputError, "numerical or categorical"),
        ({"columns": ["gone"]}, DriftInputError, "not in both"),
        ({"columns": ["empty"]}, DriftInputError, "no finite values in the reference"),
    ],
)
def test_errors_are_clear(kwargs: dict, error: type[Exception], match: str) -> None:
    frame = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0], "s": ["a", "b", "a"], "empty": [np.nan, np.inf, np.nan]}
    )
    with pytest.raises(error, match=match):
        compute_drift(frame, frame.assign(empty=1.0), **kwargs)


def test_no_common_columns() -> None:
    with pytest.raises(DriftInputError, match="no column in common"):
        compute_drift(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}))


def test_parallel_equals_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({f"c{i}": rng.normal(size=3000) for i in range(4)})
    current = pd.DataFrame({f"c{i}": rng.normal(0.05 * i, size=2000) for i in range(4)})
    monkeypatch.setattr(engine_module, "PARALLEL_MIN_ROWS", 10**12)
    serial = compute_drift(reference, current)
    monkeypatch.setattr(engine_module, "PARALLEL_MIN_ROWS", 0)
    assert compute_drift(reference, current) == serial
