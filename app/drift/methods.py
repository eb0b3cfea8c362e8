"""Drift methods by Evidently's names: family, default threshold and drift rule.

Every rule here matches Evidently 0.7's ``legacy/calculations/stattests``:

========== ============= ================= ============================
name        family        default threshold drifted when
========== ============= ================= ============================
ks          p-value       0.05              p <= threshold
chisquare   p-value       0.05              p < threshold
z           p-value       0.05              p < threshold
wasserstein distance      0.1               score >= threshold
jensenshannon distance    0.1               score >= threshold
psi         distance      0.1               score >= threshold
kl_div      distance      0.1               score >= threshold
hellinger   distance      0.1               score >= threshold
abs_text…  text          0.55              AUC > threshold
perc_text… text          0.95              AUC > random AUCs' percentile
========== ============= ================= ============================

The two text methods (``abs_text_content_drift``, ``perc_text_content_drift``)
score a free-text column by a domain classifier's ROC AUC
(:mod:`app.drift.text`); ``perc``'s decision depends on the test half, so it
cannot be re-decided from a stored score and keeps its stored decision.

Note the asymmetry Evidently has: ``ks`` drifts at ``p <= threshold`` while the
other p-value tests drift only at ``p < threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Family = Literal["p_value", "distance", "text"]
Kind = Literal["numerical", "categorical", "text"]


@dataclass(frozen=True)
class Method:
    """One drift method: its Evidently name, display name and decision rule."""

    name: str
    display_name: str
    family: Family
    default_threshold: float
    kinds: tuple[Kind, ...]
    inclusive: bool  # p-value tests: drifted at p <= t (True) or p < t (False)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("ks", "K-S p_value", "p_value", 0.05, ("numerical",), inclusive=True),
        Method("chisquare", "chi-square p_value", "p_value", 0.05, ("categorical",), False),
        Method("z", "Z-test p_value", "p_value", 0.05, ("categorical",), inclusive=False),
        Method(
            "wasserstein", "Wasserstein distance (normed)", "distance", 0.1, ("numerical",), True
        ),
        Method(
            "jensenshannon",
            "Jensen-Shannon distance",
            "distance",
            0.1,
            ("categorical", "numerical"),
            inclusive=True,
        ),
        Method("psi", "PSI", "distance", 0.1, ("categorical", "numerical"), inclusive=True),
        Method(
            "kl_div",
            "Kullback-Leibler divergence",
            "distance",
            0.1,
            ("categorical", "numerical"),
            inclusive=True,
        ),
        Method(
            "hellinger",
            "Hellinger distance",
            "distance",
            0.1,
            ("categorical", "numerical"),
            inclusive=True,
        ),
        Method(
            "abs_text_content_drift",
            "Absolute text content drift",
            "text",
            0.55,
            ("text",),
            inclusive=False,
        ),
        Method(
            "perc_text_content_drift",
            "Percentile text content drift",
            "text",
            0.95,
            ("text",),
            inclusive=False,
        ),
    )
}
FIXED_DECISION = ("perc_text_content_drift",)  # re-deciding needs the test half, not stored

BY_DISPLAY_NAME: dict[str, str] = {m.display_name: m.name for m in METHODS.values()}


class UnknownMethodError(ValueError):
    """A method name Tandem does not implement."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown drift method {name!r}; available: {', '.join(sorted(METHODS))}")


def get_method(name: str) -> Method:
    """The method called ``name`` (Evidently's name), or :class:`UnknownMethodError`."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownMethodError(name) from None


def method_family(method: str) -> Family:
    """``"p_value"`` for ks/chisquare/z, ``"distance"`` for the others."""
    return get_method(method).family


def redecide(score: float, method: str, threshold: float) -> bool:
    """Evidently's drift rule alone, so a stored score can be re-decided cheaply.

    p-value tests drift when the p-value is at or below (``ks``) or strictly
    below (``chisquare``, ``z``) the threshold; distance tests drift when the
    score is at or above it. A NaN score never drifts (every comparison with
    NaN is false, as in Evidently).
    """
    m = get_method(method)
    if method in FIXED_DECISION:
        raise ValueError(f"{method} cannot be re-decided from its score; keep its decision")
    if math.isnan(score):
        return False
    if m.family == "text":
        return bool(score > threshold)
    if m.family == "distance":
        return bool(score >= threshold)
    return bool(score <= threshold) if m.inclusive else bool(score < threshold)


def apply_family_thresholds(
    frame: pd.DataFrame, thresholds: Mapping[str, float | None]
) -> pd.DataFrame:
    """``frame`` (with method/score/threshold) re-decided with one threshold per method family.

    A family missing from ``thresholds`` (or mapped to None) keeps each row's
    stored threshold. Adds ``relative``: threshold / p for p-value tests and
    score / threshold for distances, so > 1 means drifted on both scales
    (``ks`` drifts at exactly 1 too). Vectorised: this is what a threshold
    slider reruns, and no statistic is recomputed.
    """
    out = frame.copy()
    if out.empty:
        out["relative"] = pd.Series(dtype=float)
        return out
    family = out["method"].map(lambda m: METHODS[m].family)
    for name, value in thresholds.items():
        if value is not None:
            out.loc[family == name, "threshold"] = float(value)
    score = out["score"].to_numpy(dtype=float)
    threshold = out["threshold"].to_numpy(dtype=float)
    inclusive = out["method"].map(lambda m: METHODS[m].inclusive).to_numpy(dtype=bool)
    p_value = (family == "p_value").to_numpy()
    text = (family == "text").to_numpy()  # AUC above the threshold, strictly
    with np.errstate(divide="ignore", invalid="ignore"):
        drifted = np.where(
            p_value,
            np.where(inclusive, score <= threshold, score < threshold),
            np.where(text, score > threshold, score >= threshold),
        )
        relative = np.where(p_value, threshold / score, score / threshold)
    fixed = out["method"].isin(FIXED_DECISION).to_numpy()
    if fixed.any():
        # perc text drift keeps its stored decision; relative: AUC / chance (0.5), capped
        # at 1 when it did not drift, so > 1 still means drifted
        kept = out["drifted"].to_numpy(dtype=bool) if "drifted" in out.columns else False
        drifted = np.where(fixed, kept, drifted)
        chance = score / 0.5
        relative = np.where(fixed, np.where(kept, chance, np.minimum(chance, 1.0)), relative)
    out["drifted"] = drifted & ~np.isnan(score)
    out["relative"] = relative
    return out
