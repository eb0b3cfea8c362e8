"""Multivariate drift: what per-column tests miss when features change *together*.

Two detectors, both fitted on a model version's reference window at ingest
and scored on each production window; results are stored per window
(:mod:`app.production.multivariate_store`) and pages only read them.

**PCA reconstruction error** (NannyML's ``DataReconstructionDriftCalculator``):

- Features: the reference's feature columns. Missing values are imputed as
  NannyML does (numerical: the reference mean; categorical: its most frequent
  value). Categorical columns are **frequency-encoded** (a value becomes its
  share of the reference's rows; values the reference never saw become 0),
  as NannyML's ``CountEncoder(normalize=True)``: one dimension per column, so
  a column with many categories does not dilute the 65 % of variance the
  components keep, as one-hot columns would.
- Every column is standardised with the reference's mean and population
  standard deviation (scikit-learn's ``StandardScaler``; a constant column
  keeps scale 1). Principal components come from the reference (an SVD,
  the same decomposition as scikit-learn's ``PCA``); kept are the fewest
  components whose explained variance ratio reaches 65 % (``PCA(n_components=0.65)``).
- A row's error is the Euclidean distance between its standardised vector
  and that vector projected onto the components and back; a window's value
  is the mean over its rows.
- Alert band: the reference is cut into :data:`REFERENCE_CHUNKS` consecutive
  chunks, each scored like a window; the band is their mean ± 3 population
  standard deviations (NannyML's ``StandardDeviationThreshold``), the lower
  bound clipped at 0. A window whose rows outnumber a chunk's has a less
  noisy mean than the chunks, so the band is conservative for large windows.

**Domain classifier** (NannyML's ``DomainClassifierCalculator``): a
``HistGradientBoostingClassifier`` learns to tell reference rows (class 0)
from the window's rows (class 1); the value is the ROC AUC of its
out-of-fold scores over 5 stratified folds (0.5 = the two cannot be told
apart, 1 = every row can). Both sides are sampled (seeded) to at most
:data:`DC_MAX_ROWS` rows, so the classes are balanced and ingest stays fast.
Categoricals are the classifier's native categorical features (the
reference's 64 most frequent values, :data:`MAX_CATEGORIES`, as the classifier's 64
bins allow; others and missing as missing).
NannyML's LightGBM uses 100 trees of 31 leaves; here 30 iterations of 8
leaves on 64 bins, chosen for ingest time: a grower's time goes by leaves, and
on the sample data's fraud windows 8 leaves took two thirds of 15's time
(0.20 s a window against 0.31 s, one thread) with the joint-drift day's AUC
0.84 against 0.85. The tests check decisions on generated data (a correlation
change caught, no change quiet), not equality with NannyML's
values (LightGBM is not a dependency). The alert threshold is NannyML's default upper one,
AUC > 0.65. NannyML also alerts below 0.45; Tandem does not: an
out-of-fold AUC under 0.5 means the classifier did worse than chance, which
is cross-validation noise (with 500 rows a side the AUC's spread under no
change is about 0.025, and 2 windows in 20 fell below 0.45 in the tests'
generated data), not a shift. ``monitor.multivariate_drift`` is this AUC
of the latest window.

Both need at least :data:`MIN_ROWS` rows on each side; windows with fewer
get no value (no result row, never a made-up one).

A feature with a single value in the window (a calendar field such as
``day_of_week`` in a daily window, or a feed stuck at one value) is left out
of both detectors for that window (PCA refitted on the other features): it
tells the window from a multi-day reference by itself, which the per-column
tests already report, and kept in it would hide whether the *other*
features moved jointly. NannyML has no such rule; its users drop calendar
features by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.drift import is_numerical
from app.production.domain_classifier import BINS, FOLDS, SEED, cross_validated_auc
from app.production.native_threads import one_openmp_thread

PCA = "pca_reconstruction"
DOMAIN_CLASSIFIER = "domain_classifier"
METHODS = (PCA, DOMAIN_CLASSIFIER)

VARIANCE_KEPT = 0.65
REFERENCE_CHUNKS = 10
BAND_STDS = 3.0
DC_MAX_ROWS = 500
DC_FOLDS = FOLDS
DC_UPPER = 0.65
MIN_ROWS = 2 * DC_FOLDS
DC_BINS = BINS
# HistGradientBoosting takes a categorical feature's codes only below max_bins: the
# reference's DC_BINS most frequent values get a code, the rest count as missing.
MAX_CATEGORIES = DC_BINS


@dataclass(frozen=True)
class Encoder:
    """The reference's column encoding: numerical as is, categorical by frequency (or by code)."""

    numerical: tuple[str, ...]
    categorical: tuple[str, ...]
    fill: dict[str, float]  # numerical: the reference mean
    frequencies: dict[str, dict[str, float]]  # categorical: value -> share of reference rows
    modes: dict[str, str]  # categorical: most frequent reference value

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.numerical, *self.categorical)

    def frequency_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows × columns, missing imputed, categoricals as their reference frequency."""
        parts = []
        for name in self.numerical:
            values = frame[name].to_numpy(dtype=float, na_value=np.nan)
            parts.append(np.where(np.isfinite(values), values, self.fill[name]))
        for name in self.categorical:
            # Each distinct value looked up once (windows hold many rows, few values).
            codes, distinct = pd.factorize(frame[name], use_na_sentinel=True)
            frequencies = self.frequencies[name]
            shares = np.array([frequencies.get(str(v), 0.0) for v in distinct] + [0.0])
            missing = frequencies.get(self.modes[name], 0.0)  # imputed as the mode
            parts.append(np.where(codes >= 0, shares[codes], missing))
        return np.column_stack(parts) if parts else np.empty((len(frame), 0))

    def code_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows × columns for the classifier: numerical raw (NaN kept), categoricals as codes."""
        parts = []
        for name in self.numerical:
            values = frame[name].to_numpy(dtype=float, na_value=np.nan)
            parts.append(np.where(np.isinf(values), np.nan, values))
        for name in self.categorical:
            ranked = sorted(self.frequencies[name], key=lambda v: -self.frequencies[name][v])
            codes = {value: float(i) for i, value in enumerate(ranked[:MAX_CATEGORIES])}
            text = frame[name].astype("string")
            parts.append(text.map(codes).astype(float).to_numpy(na_value=np.nan))
        return np.column_stack(parts) if parts else np.empty((len(frame), 0))


def fit_encoder(reference: pd.DataFrame, features: Sequence[str]) -> Encoder | None:
    """The encoding of the reference's features that have a value; None if none has."""
    numerical: list[str] = []
    categorical: list[str] = []
    fill: dict[str, float] = {}
    frequencies: dict[str, dict[str, float]] = {}
    modes: dict[str, str] = {}
    for name in features:
        if name not in reference.columns:
            continue
        series = reference[name]
        if is_numerical(series):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            values = values[np.isfinite(values)]
            if values.size:
                numerical.append(name)
                fill[name] = float(values.mean())
        else:
            text = series.dropna().astype(str)
            if len(text):
                counts = text.value_counts()
                categorical.append(name)
                modes[name] = str(counts.index[0])
                frequencies[name] = {str(k): float(v) / len(series) for k, v in counts.items()}
    if not numerical and not categorical:
        return None
    return Encoder(tuple(numerical), tuple(categorical), fill, frequencies, modes)


@dataclass(frozen=True)
class PcaModel:
    """A reference's standardisation, kept components and alert band."""

    encoder: Encoder
    mean: np.ndarray
    scale: np.ndarray
    components: np.ndarray  # kept components × columns, orthonormal rows
    lower: float
    upper: float

    def error(self, frame: pd.DataFrame) -> float:
        """Mean reconstruction error of ``frame``'s rows."""
        return float(self._row_errors(self.encoder.frequency_matrix(frame)).mean())

    def _row_errors(self, matrix: np.ndarray) -> np.ndarray:
        z = (matrix - self.mean) / self.scale
        restored = (z @ self.components.T) @ self.components
        return np.sqrt(((z - restored) ** 2).sum(axis=1))


def fit_pca(reference: pd.DataFrame, features: Sequence[str]) -> PcaModel | None:
    """Fit the PCA detector on ``reference``; None when it has too few rows or columns."""
    encoder = fit_encoder(reference, features)
    if encoder is None or len(reference) < REFERENCE_CHUNKS * MIN_ROWS:
        return None
    matrix = encoder.frequency_matrix(reference)
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (matrix - mean) / scale
    _, singular, vt = np.linalg.svd(z, full_matrices=False)
    variance = singular**2
    if variance.sum() <= 0:
        return None
    ratio = np.cumsum(variance / variance.sum())
    kept = min(int(np.searchsorted(ratio, VARIANCE_KEPT, side="right")) + 1, len(ratio))
    model = PcaModel(encoder, mean, scale, vt[:kept], 0.0, 0.0)
    errors = model._row_errors(matrix)
    chunk_means = np.array([c.mean() for c in np.array_split(errors, REFERENCE_CHUNKS)])
    centre, spread = float(chunk_means.mean()), float(chunk_means.std())
    lower = max(0.0, centre - BAND_STDS * spread)
    return PcaModel(encoder, mean, scale, vt[:kept], lower, centre + BAND_STDS * spread)


def _sample(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``DC_MAX_ROWS`` rows of ``frame`` (sampled before encoding: encoding costs)."""
    if len(frame) <= DC_MAX_ROWS:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), DC_MAX_ROWS, replace=False))]


def domain_sample(
    encoder: Encoder, reference: pd.DataFrame, current: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    """The classifier's inputs: both sides sampled and encoded, class 0 = reference rows."""
    rng = np.random.default_rng(SEED)
    ref = encoder.code_matrix(_sample(reference, rng))
    cur = encoder.code_matrix(_sample(current, rng))
    x = np.vstack([ref, cur])
    y = np.concatenate([np.zeros(len(ref)), np.ones(len(cur))])
    categorical = [False] * len(encoder.numerical) + [True] * len(encoder.categorical)
    return x, y, categorical


def domain_classifier_auc(
    encoder: Encoder, reference: pd.DataFrame, current: pd.DataFrame
) -> float:
    """Cross-validated ROC AUC of a classifier telling ``current``'s rows from ``reference``'s."""
    return cross_validated_auc(*domain_sample(encoder, reference, current))


@dataclass(frozen=True)
class Measure:
    """One detector's value in a window, with its alert bounds (None = unbounded side)."""

    method: str
    value: float
    lower: float | None
    upper: float | None
    rows: int

    @property
    def alert(self) -> bool:
        return (self.upper is not None and self.value > self.upper) or (
            self.lower is not None and self.value < self.lower
        )


@dataclass
class Detectors:
    """Both detectors fitted on one reference, refitted per set of features a window varies in.

    Safe to share between threads. The ingest calls :meth:`prepare` and runs
    the classifier's fits in a worker process (:mod:`app.production.domain_classifier`).
    """

    reference: pd.DataFrame
    features: tuple[str, ...]
    _fitted: dict[tuple[str, ...], PcaModel | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pca(self, features: tuple[str, ...]) -> PcaModel | None:
        with self._lock:
            if features not in self._fitted:
                self._fitted[features] = fit_pca(self.reference, features)
            return self._fitted[features]

    def measure(self, current: pd.DataFrame) -> list[Measure]:
        """Both detectors on ``current``, without the features it has one value of."""
        return measure_window(self.pca(self._varying(current)), self.reference, current)

    def prepare(self, current: pd.DataFrame) -> PreparedWindow | None:
        """:meth:`measure` but the classifier's fits (:func:`prepare_window`)."""
        return prepare_window(self.pca(self._varying(current)), self.reference, current)

    def _varying(self, current: pd.DataFrame) -> tuple[str, ...]:
        return tuple(f for f in self.features if f in current.columns and current[f].nunique() > 1)


def measure_window(
    pca: PcaModel | None, reference: pd.DataFrame, current: pd.DataFrame
) -> list[Measure]:
    """Both detectors on one window (``pca`` fitted on ``reference``); [] when too small."""
    prepared = prepare_window(pca, reference, current)
    if prepared is None:
        return []
    with one_openmp_thread():  # the fits' OpenMP spin costs more than it gains here
        return prepared.measures(cross_validated_auc(*prepared.domain))


@dataclass(frozen=True)
class PreparedWindow:
    """A window's PCA measure, and the domain classifier's inputs (its fits still to run)."""

    pca: Measure
    domain: tuple[np.ndarray, np.ndarray, list[bool]]

    def measures(self, auc: float) -> list[Measure]:
        """Both measures, given the AUC of :func:`cross_validated_auc` on ``domain``."""
        return [self.pca, Measure(DOMAIN_CLASSIFIER, auc, None, DC_UPPER, self.pca.rows)]


def prepare_window(
    pca: PcaModel | None, reference: pd.DataFrame, current: pd.DataFrame
) -> PreparedWindow | None:
    """Everything of :func:`measure_window` but the classifier's fits; None when too small."""
    if pca is None or len(current) < MIN_ROWS:
        return None
    error = Measure(PCA, pca.error(current), pca.lower, pca.upper, len(current))
    return PreparedWindow(error, domain_sample(pca.encoder, reference, current))
