"""Drift of a free-text column: Evidently 0.7's text content drift (a domain classifier).

A column is text as Evidently infers it (:func:`app.drift.columns.infer_kind`:
strings with more distinct values than half its non-missing count).
Evidently's ``DataDriftPreset`` tests such columns and counts them in the
dataset drift share, so Tandem does too, with the same method, reproduced from
``evidently/legacy/utils/data_drift_utils.py``:

* missing values are dropped per side; reference rows are labelled 0, current
  rows 1, and the pooled rows split in halves (``train_test_split(test_size
  =0.5, random_state=42, shuffle=True)``);
* a TF-IDF (``sublinear_tf``, ``max_df=0.5``, English stop words) + linear
  classifier (``SGDClassifier(alpha=1e-4, max_iter=50, penalty="l1",
  loss="modified_huber", random_state=42)``) is fitted on one half; the
  **score** is its ROC AUC on the other (0.5: the two sides cannot be told
  apart);
* ``abs_text_content_drift`` (default when the reference has more than 1,000
  values; threshold 0.55): drifted when the AUC is above the threshold;
* ``perc_text_content_drift`` (default otherwise; threshold 0.95): drifted
  when the AUC is above the ``threshold`` percentile of the AUCs of 1,000
  random classifiers on the same test half (NumPy's legacy seeded generator,
  seed 42, as Evidently) — a one-sided test at level ``1 − threshold``.

The percentile depends on the test half, so a stored ``perc`` decision is
kept as made (a new threshold re-decides only ``abs``). scikit-learn is
imported inside the function: it costs seconds, and pages never call this.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

ABS, PERC = "abs_text_content_drift", "perc_text_content_drift"
LARGE_REFERENCE = 1000
RANDOM_CLASSIFIERS = 1000


def default_text_method(reference: pd.Series) -> str:
    """Evidently's choice: ``abs`` above 1,000 reference values, else ``perc``."""
    return ABS if reference.dropna().shape[0] > LARGE_REFERENCE else PERC


class TextNotTestable(ValueError):
    """Too few words or rows for the domain classifier: the column is skipped, said why."""


def text_content_drift(
    reference: pd.Series, current: pd.Series, method: str, threshold: float
) -> tuple[float, bool]:
    """(domain classifier ROC AUC, drifted) of ``current`` against ``reference``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    pooled = pd.concat(
        [
            pd.DataFrame({"text": reference.dropna(), "target": 0}),
            pd.DataFrame({"text": current.dropna(), "target": 1}),
        ]
    )
    x_train, x_test, y_train, y_test = train_test_split(
        pooled["text"], pooled["target"], test_size=0.5, random_state=42, shuffle=True
    )
    pipeline = Pipeline(
        [
            ("vectorization", TfidfVectorizer(sublinear_tf=True, max_df=0.5, stop_words="english")),
            (
                "classification",
                SGDClassifier(
                    alpha=0.0001, max_iter=50, penalty="l1", loss="modified_huber", random_state=42
                ),
            ),
        ]
    )
    if y_test.nunique() < 2 or y_train.nunique() < 2:
        raise TextNotTestable("one side has no value in a half of the split")
    try:
        with warnings.catch_warnings():
            # Evidently's max_iter=50 often stops before convergence; its AUC is what we match
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(x_train, y_train)
        auc = float(roc_auc_score(y_test, pipeline.predict_proba(x_test)[:, 1]))
    except ValueError as error:
        # No word left after stop words and max_df (a few short values), or one side
        # only in the test half: Evidently raises here; a window's ingest must not.
        raise TextNotTestable(str(error)) from error
    if method == ABS:
        return auc, auc > threshold
    return auc, auc > _random_auc_percentile(y_test.to_numpy(), 1 - threshold)


def _random_auc_percentile(y_test: np.ndarray, p_value: float) -> float:
    """The (1 − p_value) percentile of random classifiers' AUCs, seeded as Evidently seeds them."""
    legacy = np.random.RandomState(42)
    seeds = legacy.randint(0, RANDOM_CLASSIFIERS * 10, size=RANDOM_CLASSIFIERS)
    positives = y_test == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    aucs = np.empty(RANDOM_CLASSIFIERS)
    for i, seed in enumerate(seeds.tolist()):
        scores = np.random.RandomState(seed).rand(len(y_test))
        ranks = np.empty(len(scores))
        ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
        # Mann-Whitney U / (n_pos x n_neg): sklearn's ROC AUC when no two scores tie
        aucs[i] = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(np.percentile(aucs, 100 * (1 - p_value)))
