"""``impact.value_ratio``: is each model version still bringing in what its reference promised?

Per model version of a system whose ``models`` row has a value matrix
(:mod:`app.production.business_value`), over its production windows that
start in the status window: the value per prediction (Σ window values / Σ
their rows; a window's value is realised once its labels arrived, CBPE's
estimate before, :mod:`app.production.read_value`) divided by the value per
prediction of its reference period (the realised value of its reference
window, the labelled data it was validated on, as NannyML's CBPE compares
with its reference). The system's value is its worst version's ratio, among
versions with at least ``MIN_ROWS`` predictions in the window (a few hundred
rows of a rare-positive classifier price a handful of positives: noise). A
reference whose value is not positive gives no ratio (a ratio to a loss
reads backwards). The signal is ``higher_is_better``.

The worst *version*, not the latest window: a release that destroyed value
for a day, then was rolled back, is what a business review of the window
must see, and a day of one version is too noisy to judge alone (fraud-scoring
prices ~20 caught frauds a day: ± 20 % from one day to the next).

Default bounds, warn 0.8 and critical 0.5: a version's ratio over a month
moves by about ±0.1 with its sampling noise (fraud-scoring's day of ~20 caught
frauds prices to ± 20 %, a month to a few per cent) and by more with the
optimism of in-sample references, so 0.8 is a drop no noise explains; below
0.5 half of the promised value is gone. Measured on the sample data
(realised values only, all windows): v1 1.45, v3 0.95, v2 0.76 (its broken-ETL
and drift days), the bad release v4 0.05. In the default 30-day window the
signal reads v3 at 1.46 because its 7 unlabelled days are CBPE estimates,
which run about twice the realised value there (see
:mod:`app.production.business_value`): an estimate-only window is judged
less strictly than a labelled one. Edit the bounds like every threshold
(per system: a model whose reference is held-out data deserves a tighter warn).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from app.health.window import Window
from app.production.read_value import WindowValue, reference_values, window_values

SIGNAL = "impact.value_ratio"
MIN_ROWS = 500


def version_ratios(
    windows: Collection[WindowValue], references: Mapping[tuple[int, int], float]
) -> dict[int, float]:
    """Per model version with ``MIN_ROWS`` valued predictions: its value ratio."""
    totals: dict[int, tuple[float, int]] = {}
    system_id = None
    for w in windows:
        if w.value is None or not w.rows:
            continue
        system_id = w.system_id
        value, rows = totals.get(w.model_version, (0.0, 0))
        totals[w.model_version] = (value + w.value, rows + w.rows)
    ratios: dict[int, float] = {}
    for version, (value, rows) in sorted(totals.items()):
        reference = references.get((system_id, version)) if system_id is not None else None
        if rows >= MIN_ROWS and reference is not None and reference > 0:
            ratios[version] = value / rows / reference
    return ratios


def value_signals(
    session: Session, system_ids: Collection[int], window: Window
) -> dict[int, float | None]:
    """``impact.value_ratio`` per system: its worst version's ratio (None: unknown)."""
    valued = window_values(session, system_ids, window.since, window.until)
    references = reference_values(session, list(valued))
    result: dict[int, float | None] = {i: None for i in system_ids}
    for system_id, windows in valued.items():
        ratios = version_ratios(windows, references)
        result[system_id] = min(ratios.values()) if ratios else None
    return result


def window_ratios(
    session: Session, system_id: int, window: Window
) -> tuple[list[datetime], list[float | None]]:
    """The what-if replay's buckets: each valued window's start and its own ratio.

    A window's ratio is its value per prediction over its version's reference's
    (None without a positive reference value); every window is a bucket, so a
    replay counts days, where the live signal judges versions.
    """
    references = reference_values(session, [system_id])
    at: list[datetime] = []
    values: list[float | None] = []
    for w in window_values(session, [system_id], window.since, window.until).get(system_id, []):
        reference = references.get((system_id, w.model_version))
        if w.value is None or not w.rows:
            continue
        at.append(w.window_start)
        values.append(w.value / w.rows / reference if reference and reference > 0 else None)
    return at, values


def version_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per version in ``frame`` (:func:`app.production.read_value.system_values` rows): its
    windows, predictions, value per prediction, its reference's and their ratio, as the
    signal computes them (the ratio None below ``MIN_ROWS`` or without a positive reference).
    """
    columns = ["version", "windows", "predictions", "per_prediction", "reference", "ratio"]
    valued = frame[frame["per_prediction"].notna() & (frame["rows"] > 0)]
    records = []
    for version, rows in valued.groupby("model_version", sort=True):
        predictions = int(rows["rows"].sum())
        per_prediction = float((rows["per_prediction"] * rows["rows"]).sum()) / predictions
        reference = rows["reference_per_prediction"].iloc[0]
        judged = predictions >= MIN_ROWS and pd.notna(reference) and reference > 0
        ratio = per_prediction / float(reference) if judged else None
        records.append((f"v{version}", len(rows), predictions, per_prediction, reference, ratio))
    return pd.DataFrame(records, columns=columns)
