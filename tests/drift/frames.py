"""Seeded reference/current frames that walk every branch of Evidently's method choice."""

from __future__ import annotations

import numpy as np
import pandas as pd


def branch_frames(n_ref: int, n_cur: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current data of unequal sizes with one column per branch.

    float normal (shifted / not), float with 2 and with 4 values, float with
    exactly 25 values (Sturges bins for psi/kl_div/jensenshannon), int with
    many values (numerical) and with 3 values (categorical), string binary and
    multi-valued with a category only in current, bool, NaN and ±inf, constant
    equal, constant different, and an int category only in reference.
    """
    rng = np.random.default_rng(seed)

    def side(n: int, shift: float, current: bool) -> pd.DataFrame:
        with_gaps = rng.normal(shift, 1, n)
        with_gaps[rng.random(n) < 0.1] = np.nan
        with_gaps[rng.random(n) < 0.02] = np.inf
        with_gaps[rng.random(n) < 0.02] = -np.inf
        letters = ["a", "b", "c", "d", "e"] + (["new"] if current else [])
        return pd.DataFrame(
            {
                "num_shifted": rng.normal(shift, 1, n),
                "num_same": rng.normal(0, 1, n),
                "num_two": rng.choice([0.0, 1.0], n, p=[0.5 - shift / 4, 0.5 + shift / 4]),
                "num_four": rng.choice([1.5, 2.5, 3.5, 4.5], n),
                "num_25": rng.integers(0, 25, n) * 0.5 + shift,
                "int_many": rng.integers(0, 200, n) + int(10 * shift),
                "int_three": rng.integers(0, 3, n) if current else rng.integers(0, 4, n),
                "cat_binary": rng.choice(["yes", "no"], n, p=[0.4 + shift / 5, 0.6 - shift / 5]),
                "cat_multi": rng.choice(letters, n),
                "flag": rng.random(n) < 0.3 + shift / 10,
                "gaps": with_gaps,
                "const": np.ones(n),
                "const_moved": np.full(n, 2.0 if current else 1.0),
            }
        )

    return side(n_ref, 0.0, False), side(n_cur, 0.5, True)
