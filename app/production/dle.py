"""Regression performance without labels: direct loss estimation (DLE, as in NannyML).

For a regression model version, two "nanny" models are fitted on its labelled
reference rows (the data it was validated on), each a scikit-learn
``HistGradientBoostingRegressor`` whose inputs are the version's feature
columns and its ``prediction``:

* one learns each row's **absolute error** ``|label − prediction|``; a
  window's estimated **MAE** is the mean of its predictions over the window's
  rows (labelled or not);
* one learns each row's **squared error**; the estimated **RMSE** is the
  square root of the mean of its predictions.

Negative nanny predictions are clipped at 0 (an error is never negative).
This is NannyML's ``DLE`` for ``mae`` and ``rmse`` with three differences:
scikit-learn's gradient boosting instead of LightGBM (both histogram
gradient boosting, default hyperparameters, no tuning); early stopping on a
seeded 10 % validation split of the reference (LightGBM's defaults have
none: on the sample data the 100 boosting rounds overfit the noisy per-row
error, 22–26 rounds are kept, the estimate is closer to the realised MAE and
scoring a window is four times cheaper); and text features
encoded as categories (the reference's categories, at most
``MAX_CATEGORIES`` per column; a value the reference never had is missing)
where NannyML requires the caller to encode them. Numerical features go in
as numbers, missing values as missing (the trees learn a side for them).
At most ``MAX_FIT_ROWS`` reference rows fit a nanny (a seeded sample).

**Band.** NannyML's sampling error, from the reference's per-row spread:
for a window of ``n`` rows, MAE's is ``std(|e|) / √n`` and RMSE's
``√(std(e²)² / (4 · n · mean(e²)))`` (``e`` the reference errors, ``std``
with ddof 0); the band is the estimate ± ``BAND_SIGMAS`` (3) sampling errors,
floored at 0. It says how far a window of that size may land from the
estimate by chance alone, not how wrong the nanny may be.

**Assumptions.** The estimate is only as good as these: (1) no concept drift
— the relation between features and the label the model saw in its reference
still holds, so the error a row of given features makes is what it made
then; (2) covariate shift stays inside the reference's support — a tree
predicts flat beyond the feature values it was fitted on, so a shift to
values the reference never had (weather colder than any training day) is
estimated at the error of the nearest reference values, too low when the
error keeps growing out there. When the mix of rows moves within the
reference's range (more promoted items, more big stores), the estimate
follows; that is what DLE is for.

**Tolerance on the sample data**, checked by
``tests/production/test_dle_sample_data.py`` on demand-forecast's labelled
windows: ``|estimated MAE − realised MAE| ≤ 0.25 × realised MAE`` on at
least 90 % of them. Measured at the time of writing over 89 windows: within
25 % on 99 % (88), within 20 % on 93 %, within 10 % on 63 %; median error
−6.9 % (the estimate runs low). Both assumptions bend there: the references
hold in-sample predictions (training error, smaller than production's), and
from October the days are colder than any day of v2's reference (the model
predicts flat below its training range, so its error keeps growing where
the nanny's trees cannot follow): the six windows more than 20 % off are
October days, estimated 21–27 % low. The planted shift — 31 October, labels
pending, 75 % of requests for promoted items instead of 15 % — is estimated
at MAE 41.8 (band 36.7–46.9) against 26.7 the day before and a validation
MAE of 27.3, past the critical bound: flagged with its labels pending. The
labels the generator holds back say 57.5 against 34.6: the estimate catches
the shift (×1.57 against ×1.66) and under-states its size, the cold
compounding the promotion.

**When it runs.** scikit-learn costs seconds to import, so it is imported
inside the functions here and only an ingest that scores a regression
window pays it; pages read the stored results. Nannies are not stored: they
are refitted from the reference at each ingest that needs them (deterministic,
``random_state=0``), and kept in this process for the next window of the same
reference (keyed by the reference rows' content hash), so that a stored
model never outlives the scikit-learn version that pickled it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.production.native_threads import one_openmp_thread
from app.production.windows import content_hash, feature_columns

ESTIMATED_METRICS = ("mae", "rmse")
BAND_SIGMAS = 3.0
MAX_FIT_ROWS = 20_000
MIN_FIT_ROWS = 100  # fewer labelled reference rows: no nanny, no estimate
MAX_SCORED_ROWS = 5_000  # a bigger window's estimate is the mean over a seeded sample
MAX_CATEGORIES = 254  # HistGradientBoosting's categorical limit (max_bins 255, less missing)
RESULT_COLUMNS = ["metric", "segment", "value", "rows", "estimated", "lower", "upper"]
_CACHE_SIZE = 8


@dataclass(frozen=True)
class Encoding:
    """How rows become the nannies' input: numbers as numbers, text as category codes."""

    numerical: tuple[str, ...]
    categories: tuple[tuple[str, tuple[str, ...]], ...]  # (column, its categories in code order)

    @property
    def columns(self) -> list[str]:
        return [*self.numerical, *(name for name, _ in self.categories), "prediction"]

    def matrix(self, rows: pd.DataFrame) -> np.ndarray:
        """The input matrix of ``rows``: a column a window lacks is missing throughout."""
        out = np.full((len(rows), len(self.columns)), np.nan)
        for i, name in enumerate(self.numerical):
            if name in rows.columns:
                out[:, i] = pd.to_numeric(rows[name], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                )
        for j, (name, categories) in enumerate(self.categories, start=len(self.numerical)):
            if name in rows.columns:
                values = rows[name].astype(object)
                text = values.where(values.isna(), values.astype(str))  # as the reference's
                codes = pd.Categorical(text, categories=list(categories))
                out[:, j] = np.where(codes.codes >= 0, codes.codes, np.nan)
        out[:, -1] = rows["prediction"].to_numpy(dtype=float, na_value=np.nan)
        return out

    def categorical_mask(self) -> list[bool]:
        return [False] * len(self.numerical) + [True] * len(self.categories) + [False]


@dataclass(frozen=True)
class Nanny:
    """The two fitted error models of a version and the reference's error spread."""

    encoding: Encoding
    absolute: Any  # HistGradientBoostingRegressor fitted to |e|
    squared: Any  # HistGradientBoostingRegressor fitted to e²
    absolute_std: float  # std(|e|) over the reference
    squared_std: float  # std(e²)
    squared_mean: float  # mean(e²)


@dataclass(frozen=True)
class Estimate:
    """An estimated metric of a window and its band."""

    metric: str
    value: float
    lower: float
    upper: float
    rows: int


def encoding_of(reference: pd.DataFrame, features: Sequence[str]) -> Encoding:
    """Numerical columns (numeric dtype) and text columns with their reference categories.

    A text column with more than ``MAX_CATEGORIES`` distinct values (an id, free
    text) is left out: as a category it would not fit, as a number it means nothing.
    """
    numerical: list[str] = []
    categorical: list[tuple[str, tuple[str, ...]]] = []
    for name in features:
        series = reference[name]
        if pd.api.types.is_numeric_dtype(series):
            numerical.append(name)
            continue
        values = series.dropna().astype(str)
        distinct = sorted(values.unique())
        if len(distinct) <= MAX_CATEGORIES:
            categorical.append((name, tuple(distinct)))
    return Encoding(tuple(numerical), tuple(categorical))


def fit_nanny(reference: pd.DataFrame, features: Sequence[str] | None = None) -> Nanny | None:
    """Fit the two nannies on ``reference``'s labelled rows; None with fewer than ``MIN_FIT_ROWS``.

    ``features`` defaults to the reference's feature columns (not the fixed,
    ``prediction_id`` or ``segment.*`` ones).
    """
    names = list(features) if features is not None else feature_columns(reference)
    y = reference["label"].to_numpy(dtype=float, na_value=np.nan)
    p = reference["prediction"].to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(y) & np.isfinite(p)
    if keep.sum() < MIN_FIT_ROWS:
        return None
    labelled = reference[keep]
    if len(labelled) > MAX_FIT_ROWS:
        labelled = labelled.sample(MAX_FIT_ROWS, random_state=0)
    error = labelled["prediction"].to_numpy(dtype=float) - labelled["label"].to_numpy(dtype=float)
    encoding = encoding_of(labelled, names)
    x = encoding.matrix(labelled)
    return Nanny(
        encoding,
        _fit(x, np.abs(error), encoding.categorical_mask()),
        _fit(x, error**2, encoding.categorical_mask()),
        float(np.std(np.abs(error))),
        float(np.std(error**2)),
        float(np.mean(error**2)),
    )


def _fit(x: np.ndarray, target: np.ndarray, categorical: list[bool]) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor  # seconds to import: ingest only

    model = HistGradientBoostingRegressor(
        categorical_features=categorical if any(categorical) else None,
        early_stopping=True,
        random_state=0,
    )
    with one_openmp_thread():
        return model.fit(x, target)


def estimate(rows: pd.DataFrame, nanny: Nanny) -> list[Estimate]:
    """Estimated MAE and RMSE of a window (labels not needed), with their bands.

    Rows without a finite prediction are left out; an empty list when none is left.
    A window of more than ``MAX_SCORED_ROWS`` is estimated on a seeded sample of
    that many (the mean of the nanny's predictions moves by a fraction of the
    band: its spread over rows is below the errors' own), its band for all of them.
    """
    scored = rows[np.isfinite(rows["prediction"].to_numpy(dtype=float, na_value=np.nan))]
    n = len(scored)
    if not n:
        return []
    if n > MAX_SCORED_ROWS:
        scored = scored.sample(MAX_SCORED_ROWS, random_state=0)
    x = nanny.encoding.matrix(scored)
    with one_openmp_thread():
        mae = float(np.clip(nanny.absolute.predict(x), 0, None).mean())
        mse = float(np.clip(nanny.squared.predict(x), 0, None).mean())
    mae_error = float(nanny.absolute_std / np.sqrt(n))
    rmse_error = (
        float(np.sqrt(nanny.squared_std**2 / (4 * n * nanny.squared_mean)))
        if nanny.squared_mean > 0
        else 0.0
    )
    rmse = float(np.sqrt(mse))
    return [_banded("mae", mae, mae_error, n), _banded("rmse", rmse, rmse_error, n)]


def _banded(metric: str, value: float, sampling_error: float, n: int) -> Estimate:
    half = BAND_SIGMAS * sampling_error
    return Estimate(metric, value, float(max(value - half, 0.0)), float(value + half), n)


def dle_results(rows: pd.DataFrame, nanny: Nanny | None) -> pd.DataFrame:
    """The window's estimated rows as ``performance_results`` stores them (``RESULT_COLUMNS``)."""
    found = estimate(rows, nanny) if nanny is not None else []
    return pd.DataFrame(
        [(e.metric, "", e.value, e.rows, True, e.lower, e.upper) for e in found],
        columns=RESULT_COLUMNS,
    )


def with_dle(results: pd.DataFrame, rows: pd.DataFrame, nanny: Nanny | None) -> pd.DataFrame:
    """A window's other results (measured, CBPE) and its DLE rows, as one frame to store."""
    found = dle_results(rows, nanny)
    if found.empty:
        return results
    if results.empty:
        return found
    return pd.concat([results.reindex(columns=RESULT_COLUMNS), found], ignore_index=True)


_fitted: OrderedDict[str, Nanny | None] = OrderedDict()
_lock = threading.Lock()


def nanny_of(reference: pd.DataFrame) -> Nanny | None:
    """:func:`fit_nanny` of a reference, fitted once per process per reference content."""
    key = content_hash(reference)
    with _lock:
        if key in _fitted:
            _fitted.move_to_end(key)
            return _fitted[key]
    nanny = fit_nanny(reference)
    with _lock:
        _fitted[key] = nanny
        while len(_fitted) > _CACHE_SIZE:
            _fitted.popitem(last=False)
    return nanny
