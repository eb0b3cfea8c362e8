"""Golden agreement: ``compute_drift`` against Evidently's ``DataDriftPreset`` itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.drift import compute_drift
from app.drift.methods import METHODS
from tests.drift.frames import branch_frames
from tests.drift.oracle import assert_same, evidently_drift

SIZES = {"small": (400, 300), "large": (3000, 2000)}


@pytest.fixture(scope="module", params=sorted(SIZES))
def frames(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame]:
    return branch_frames(*SIZES[request.param])


def test_default_choice_matches_evidently(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    ours = compute_drift(reference, current).to_dict()
    assert_same(ours, evidently_drift(reference, current))


def test_every_default_branch_is_covered() -> None:
    small = compute_drift(*branch_frames(*SIZES["small"]))
    large = compute_drift(*branch_frames(*SIZES["large"]))
    assert {c.method for c in small.columns} == {"ks", "chisquare", "z"}
    assert {c.method for c in large.columns} == {"wasserstein", "jensenshannon"}
    assert {(c.kind, c.method) for c in large.columns} == {
        ("numerical", "wasserstein"),
        ("numerical", "jensenshannon"),
        ("categorical", "jensenshannon"),
    }


# Text methods need text columns, which these frames have none of: tests/drift/test_text.py.
@pytest.mark.parametrize("method", sorted(m for m in METHODS if "text" not in METHODS[m].kinds))
def test_forced_method_matches_evidently(
    frames: tuple[pd.DataFrame, pd.DataFrame], method: str
) -> None:
    reference, current = frames
    kinds = compute_drift(
        reference, current
    )  # kinds of the whole frames (50 rows can read as text)
    usable = [c.column for c in kinds.columns if c.kind in METHODS[method].kinds]
    reference, current = reference[usable], current[usable]
    ours = compute_drift(reference, current, method=method).to_dict()
    assert_same(ours, evidently_drift(reference, current, method=method))


def test_forced_kinds_and_overrides_match_evidently(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = frames
    kinds = {"int_three": "numerical", "num_four": "categorical", "int_many": "categorical"}
    per_method = {"int_three": "hellinger", "num_shifted": "psi", "cat_multi": "kl_div"}
    per_threshold = {"num_same": 0.2, "cat_binary": 0.01}
    ours = compute_drift(
        reference,
        current,
        column_kinds=kinds,
        threshold=0.3,
        per_column={
            c: (per_method.get(c), per_threshold.get(c))
            for c in set(per_method) | set(per_threshold)
        },
        drift_share=0.25,
    ).to_dict()
    theirs = evidently_drift(
        reference,
        current,
        column_kinds=kinds,
        threshold=0.3,
        per_column_method=per_method,
        per_column_threshold=per_threshold,
        drift_share=0.25,
    )
    assert_same(ours, theirs)


def _frame(draw: st.DrawFn, n: int, pools: dict[str, list[object]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
            for name, pool in pools.items()
        }
    )


@st.composite
def small_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two small frames sharing columns: floats with few or many values, ints, strings.

    Floats sit on a 1/8 grid and frames have at least 12 rows, so Evidently
    sees no text column (at most 5 words) and no sub-normal histogram range,
    both of which it cannot handle on tiny data.
    """
    grid = st.integers(-40, 40).map(lambda k: k / 8)
    floats = draw(st.lists(grid, min_size=1, max_size=12, unique=True))
    ints = draw(st.lists(st.integers(-20, 20), min_size=1, max_size=15, unique=True))
    words = draw(st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=5, unique=True))
    pools: dict[str, list[object]] = {"f": floats, "i": ints, "s": words}
    reference = _frame(draw, draw(st.integers(12, 40)), pools)
    current = _frame(draw, draw(st.integers(12, 40)), pools)
    return reference.astype({"s": object}), current.astype({"s": object})


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(small_frames())
def test_random_small_frames_match_evidently(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = frames
    ours = compute_drift(reference, current).to_dict()
    assert_same(ours, evidently_drift(reference, current))


def test_engine_on_nan_inf_only_differs_in_evidently_s_own_count() -> None:
    """Evidently's per-column ValueDrift drops ±inf; its DriftedColumnsCount keeps them when
    the column has no NaN. Tandem follows ValueDrift (inf = missing), per column and overall."""
    rng = np.random.default_rng(1)
    values = rng.normal(size=500)
    values[:60] = np.inf
    reference, current = pd.DataFrame({"a": values}), pd.DataFrame({"a": rng.normal(size=500)})
    ours = compute_drift(reference, current).to_dict()
    theirs = evidently_drift(reference, current)
    assert_same(ours, theirs, dataset=False)
    assert ours["drifted_columns"] == 0
    assert theirs["drifted_columns"] == 1  # Evidently's inconsistency, pinned
