"""Canonical row order of a production window: the fast path equals pandas' stable sort."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from app.production.windows import canonical

ROWS = st.lists(
    st.tuples(
        st.integers(0, 5),  # few distinct seconds: many ties
        st.one_of(st.none(), st.sampled_from(["a", "b", "B", "a1", "é", ""])),
        st.integers(0, 1000),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_rows_are_ordered_by_timestamp_then_prediction_id(rows: list) -> None:
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime([r[0] for r in rows], unit="s", utc=True),
            "model_version": 1,
            "prediction": [float(r[2]) for r in rows],
            "label": float("nan"),
            "prediction_id": pd.Series([r[1] for r in rows], dtype=object),
        }
    )
    expected = frame.sort_values(
        ["timestamp", "prediction_id"], kind="stable", na_position="last"
    ).reset_index(drop=True)
    result = canonical(frame)
    assert result["prediction"].tolist() == expected["prediction"].tolist()
    assert result["prediction_id"].tolist() == expected["prediction_id"].tolist()
