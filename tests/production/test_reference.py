"""Which reference a window is compared with, and the one profile of a reference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.production.reference import WindowRef, profile_reference, resolve_reference


def test_resolve_reference_prefers_own_then_newest_older() -> None:
    refs = [WindowRef(i, v, True, "", ()) for i, v in ((1, 1), (2, 3), (3, 5))]
    assert resolve_reference(refs, 3).id == 2
    assert resolve_reference(refs, 4).id == 2  # no v4 reference: v3's
    assert resolve_reference(refs, 9).id == 3
    assert resolve_reference(refs, 0) is None


def test_profile_kinds_are_evidentlys() -> None:
    """Floats and many-valued ints are numerical; few-valued ints, text and bools are not."""
    reference = pd.DataFrame(
        {
            "amount": [1.0, np.inf, 3.0, np.nan],
            "count": np.arange(4, dtype="int64"),
            "many": np.arange(4, dtype="int64") * 10,
            "country": ["FR", "US", None, "FR"],
            "flag": [True, False, True, True],
        }
    )
    many = pd.concat([reference] * 3, ignore_index=True).assign(many=np.arange(12) * 10)
    profile = profile_reference(many, ["amount", "count", "many", "country", "flag", "gone"])
    assert set(profile) == {"amount", "count", "many", "country", "flag"}  # "gone" is absent
    assert profile["amount"].numerical
    assert profile["amount"].bounds == (1.0, 3.0)
    assert not profile["count"].numerical  # 4 distinct ints: categorical, as in Evidently
    assert profile["count"].categories == frozenset({"0", "1", "2", "3"})
    assert profile["many"].numerical
    assert profile["many"].bounds == (0.0, 110.0)
    assert profile["country"].categories == frozenset({"FR", "US"})
    assert profile["flag"].categories == frozenset({"True", "False"})
