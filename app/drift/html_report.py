"""Evidently's own HTML report (``DataDriftPreset``) for the data Tandem tested.

Evidently is imported lazily: it is slow to import and only this path needs it.
The HTML is a full standalone page with scripts; the UI shows it in a
sandboxed component (DESIGN.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from app.drift.columns import infer_kind

SAMPLE_SEED = 0


def _sample(frame: pd.DataFrame, rows: int | None) -> pd.DataFrame:
    if rows is None or len(frame) <= rows:
        return frame
    return frame.sample(n=rows, random_state=SAMPLE_SEED).sort_index()


def evidently_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    column_kinds: Mapping[str, str] | None = None,
    sample_rows: int | None = None,
    *,
    method: str | None = None,
    threshold: float | None = None,
    drift_share: float = 0.5,
) -> str:
    """Evidently 0.7's full ``DataDriftPreset`` HTML report for ``current`` vs ``reference``.

    ``column_kinds`` (column -> ``"numerical"``/``"categorical"``) becomes the
    ``DataDefinition``; other columns are inferred by Evidently as usual. With
    ``sample_rows``, each side larger than that is sampled (seeded, without
    replacement) to that many rows first, because Evidently is slow on large
    windows; the figures then describe the sample, not the whole window.
    Only columns present on both sides are passed to Evidently.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    common = [c for c in current.columns if c in reference.columns]
    numerical = categorical = None
    if column_kinds:
        # A DataDefinition that names numerical or categorical columns must name
        # all of them (Evidently then infers neither list), so complete it with
        # the inference Evidently would have made.
        kinds = {c: infer_kind(current[c]) for c in common} | dict(column_kinds)
        numerical = [c for c in common if kinds[c] == "numerical"]
        categorical = [c for c in common if kinds[c] == "categorical"]

    def dataset(frame: pd.DataFrame) -> Dataset:
        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        return Dataset.from_pandas(
            _sample(frame[common], sample_rows).reset_index(drop=True), data_definition=definition
        )

    preset = DataDriftPreset(method=method, threshold=threshold, drift_share=drift_share)
    with warnings.catch_warnings():
        # Evidently's stat tests divide by zero on unseen categories, by design.
        warnings.simplefilter("ignore")
        cur, ref = dataset(current), dataset(reference)
        snapshot = Report([preset], include_tests=True).run(cur, ref)
        return snapshot.get_html_str(as_iframe=False)
