"""DLE on the committed sample data: the documented tolerance, and the planted promotion day.

Acceptance of issue 14 item 1: on demand-forecast the estimated MAE is within
the tolerance documented in :mod:`app.production.dle` of the realised MAE on at
least 90 % of the labelled windows, and the planted covariate shift (31
October, a promotion, labels pending) is flagged by the estimate alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.health.catalog import SIGNALS_BY_KEY
from app.production.dle import Nanny, estimate, fit_nanny
from app.production.performance import performance_metrics
from app.production.windows import split
from app.sample_data import production as generator
from app.sample_data.story import DEMAND, DEMAND_PROMO_AT

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
FOLDER = SAMPLE / "production" / DEMAND
TOLERANCE = 0.25  # relative, as the module docstring documents
PROMO_DAY = pd.Timestamp(DEMAND_PROMO_AT, unit="s", tz="UTC")


@pytest.fixture(scope="module")
def nannies() -> dict[int, Nanny]:
    fitted = {}
    for path in sorted(FOLDER.glob("reference_v*.parquet")):
        nanny = fit_nanny(pd.read_parquet(path))
        assert nanny is not None
        fitted[int(path.stem.removeprefix("reference_v"))] = nanny
    return fitted


def days(frame: pd.DataFrame) -> list[tuple[int, pd.Timestamp, pd.DataFrame]]:
    """The ingest's windows: one per (model version, UTC day)."""
    return [(w.model_version, w.start, w.rows) for w in split(frame, reference=False)]


def mae_bounds() -> tuple[float, float]:
    """v2's validation MAE over the default ``monitor.performance_ratio`` warn / critical."""
    models = pd.read_csv(SAMPLE / "models.csv")
    baseline = float(
        models.loc[
            (models["system"] == DEMAND) & (models["version"] == 2), "validation_value"
        ].iloc[0]
    )
    ratio = SIGNALS_BY_KEY["monitor.performance_ratio"]
    return baseline / ratio.warn, baseline / ratio.critical


def test_estimated_mae_is_within_the_documented_tolerance_on_most_labelled_windows(
    nannies: dict[int, Nanny],
) -> None:
    errors = []
    for version, _, rows in days(pd.read_parquet(FOLDER / "windows.parquet")):
        labelled = rows[rows["label"].notna()]
        if labelled.empty:
            continue
        realised = performance_metrics(labelled["label"], labelled["prediction"], "regression")
        estimated = {e.metric: e.value for e in estimate(rows, nannies[version])}
        errors.append(abs(estimated["mae"] - realised["mae"]) / realised["mae"])
    assert len(errors) >= 80
    assert np.mean(np.array(errors) <= TOLERANCE) >= 0.9


def test_the_promotion_day_is_flagged_by_the_estimate_before_its_labels_arrive(
    nannies: dict[int, Nanny],
) -> None:
    windows = {start: rows for _, start, rows in days(pd.read_parquet(FOLDER / "windows.parquet"))}
    promo, before = windows[PROMO_DAY], windows[PROMO_DAY - pd.Timedelta(days=1)]
    assert promo["label"].isna().all()  # labels pending
    warn, critical = mae_bounds()
    on_promo = {e.metric: e for e in estimate(promo, nannies[2])}["mae"]
    day_before = {e.metric: e for e in estimate(before, nannies[2])}["mae"]
    assert on_promo.value > critical  # outside the band: flagged on the page
    assert day_before.value < warn  # an ordinary day is not
    assert on_promo.lower > day_before.upper  # beyond chance at these window sizes


def test_the_promotion_really_raised_the_error(
    nannies: dict[int, Nanny], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the labels the generator holds back: the error rose, and the estimate rose with it.

    The estimate under-states the day (see the module docstring of
    :mod:`app.production.dle`: the day is also colder than v2's reference),
    but both rise by more than 40 % over the day before.
    """
    monkeypatch.setitem(generator.LABEL_DELAY_DAYS, DEMAND, 0)
    frame = generator.windows(DEMAND)
    day = frame["timestamp"].dt.floor("D")
    realised, estimated = [], []
    for start in (PROMO_DAY - pd.Timedelta(days=1), PROMO_DAY):
        rows = frame[day == start]
        realised.append(performance_metrics(rows["label"], rows["prediction"], "regression")["mae"])
        estimated.append({e.metric: e.value for e in estimate(rows, nannies[2])}["mae"])
    assert realised[1] > mae_bounds()[1]
    assert realised[1] > 1.4 * realised[0]
    assert estimated[1] > 1.4 * estimated[0]
