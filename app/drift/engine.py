"""``compute_drift``: Evidently 0.7 ``DataDriftPreset`` column drift, vectorised.

Default method choice matches Evidently's ``_get_default_stattest``, where
``n`` is the number of distinct values over reference and current together
and the size is the reference's count of finite, non-missing values:

* reference <= 1000 values: numerical -> ``ks`` if n > 5, else ``chisquare``
  if n > 2, else ``z``; categorical -> ``chisquare`` if n > 2, else ``z``;
* reference > 1000 values: numerical -> ``wasserstein`` if n > 5, else
  ``jensenshannon``; categorical -> ``jensenshannon``.

Free-text columns (Evidently's ``text`` kind) are tested as Evidently tests
them, by a domain classifier (:mod:`app.drift.text`): ``abs_text_content_drift``
above 1,000 reference values, else ``perc_text_content_drift``; they count in
the dataset drift share.

Thresholds resolve per column, then globally, then to the method's default.
A method forced on a kind it does not support (``ks`` on a categorical
column, ``chisquare`` on a numerical one) is an error, as in Evidently.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from app.drift.columns import DRIFT_KINDS, ColumnData, DriftInputError, infer_kind
from app.drift.methods import Method, get_method, redecide
from app.drift.report import ColumnDrift, DriftReport, SkippedColumn
from app.drift.stattests import STATTESTS
from app.drift.text import TextNotTestable, default_text_method, text_content_drift

logger = logging.getLogger(__name__)

SMALL_REFERENCE = 1000  # Evidently switches from p-value tests to distances above this
FEW_VALUES = 5  # ... and treats numerical columns with at most this many values as categories
PARALLEL_MIN_ROWS = 50_000  # below this, threads cost more than they save
CORRECTIONS = ("bh",)
TESTED_KINDS = (*DRIFT_KINDS, "text")

PerColumn = Mapping[str, tuple[str | None, float | None]]


def default_method(col: ColumnData, kind: str) -> str:
    """Evidently 0.7's default stat test for a prepared column of ``kind``."""
    n_values = col.distinct_union(FEW_VALUES)
    if col.n_ref <= SMALL_REFERENCE:
        if kind == "numerical" and n_values > FEW_VALUES:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if kind == "numerical" and n_values > FEW_VALUES:
        return "wasserstein"
    return "jensenshannon"


def chosen_method(
    name: str, col: ColumnData, kind: str, method: str | None, threshold: float | None
) -> tuple[Method, float]:
    """The method column ``name`` is tested with and its threshold: one rule for the local and
    the Spark engine, so both choose (and refuse) alike."""
    chosen = get_method(method or default_method(col, kind))
    # Evidently checks kinds only for a forced method: its default choice runs
    # chisquare and z on numerical columns with few values.
    if method is not None and kind not in chosen.kinds:
        raise DriftInputError(
            f"method {chosen.name!r} does not apply to {kind} column {name!r} "
            f"(it takes {' or '.join(chosen.kinds)} columns)"
        )
    return chosen, chosen.default_threshold if threshold is None else float(threshold)


def _column_drift(
    name: str,
    reference: pd.Series,
    current: pd.Series,
    kind: str,
    method: str | None,
    threshold: float | None,
) -> ColumnDrift | SkippedColumn:
    if kind == "text":
        return _text_drift(name, reference, current, method, threshold)
    col = ColumnData.from_series(name, reference, current)
    if kind == "numerical" and not col.numeric:
        raise DriftInputError(f"column {name!r} is numerical but holds non-numeric values")
    chosen, used = chosen_method(name, col, kind, method, threshold)
    score = STATTESTS[chosen.name](col, kind)
    return ColumnDrift(
        column=name,
        kind=kind,
        method=chosen.name,
        score=score,
        threshold=used,
        drifted=redecide(score, chosen.name, used),
        p_value_test=chosen.family == "p_value",
    )


def _text_drift(
    name: str, reference: pd.Series, current: pd.Series, method: str | None, threshold: float | None
) -> ColumnDrift | SkippedColumn:
    ref, cur = reference.dropna(), current.dropna()
    if not len(ref) or not len(cur):
        raise DriftInputError(f"column {name!r} has no values on one side")
    chosen = get_method(method or default_text_method(ref))
    if "text" not in chosen.kinds:
        raise DriftInputError(
            f"method {chosen.name!r} does not apply to text column {name!r} "
            f"(it takes {' or '.join(chosen.kinds)} columns)"
        )
    used = chosen.default_threshold if threshold is None else float(threshold)
    try:
        score, drifted = text_content_drift(ref, cur, chosen.name, used)
    except TextNotTestable:
        return SkippedColumn(name, "text column with too few words to test")
    return ColumnDrift(name, "text", chosen.name, score, used, drifted, p_value_test=False)


def benjamini_hochberg(p_values: Iterable[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); a Tandem addition, not Evidently's.

    ``q_(i) = min_{j >= i} p_(j) * m / j`` over the ascending p-values, capped at 1;
    ``q <= alpha`` is the BH step-up procedure at false discovery rate ``alpha``.
    NaN p-values are left out of ``m`` and stay NaN.
    """
    p = np.asarray(list(p_values), dtype=np.float64)
    q = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if len(valid) == 0:
        return q
    order = valid[np.argsort(p[valid], kind="stable")]
    ranked = p[order] * len(order) / np.arange(1, len(order) + 1)
    q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q


def _correct(columns: list[ColumnDrift], correction: str) -> list[ColumnDrift]:
    tested = [i for i, c in enumerate(columns) if c.p_value_test]
    adjusted = benjamini_hochberg(columns[i].score for i in tested)
    out = list(columns)
    for i, q in zip(tested, adjusted, strict=True):
        c = columns[i]
        out[i] = ColumnDrift(
            column=c.column,
            kind=c.kind,
            method=c.method,
            score=float(q),
            threshold=c.threshold,
            drifted=redecide(float(q), c.method, c.threshold),
            p_value_test=True,
            raw_score=c.score,
        )
    return out


def compute_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    column_kinds: Mapping[str, str] | None = None,
    method: str | None = None,
    threshold: float | None = None,
    per_column: PerColumn | None = None,
    drift_share: float = 0.5,
    correction: str | None = None,
) -> DriftReport:
    """Column drift and dataset drift of ``current`` against ``reference``.

    With no options this equals Evidently 0.7's ``DataDriftPreset`` on the same
    frames: the same columns (kinds inferred on ``current``; free text tested
    with Evidently's text content drift; datetime and other dtypes are skipped
    and listed in ``DriftReport.skipped``), the same
    method per column, scores to rounding, the same decisions. ``±inf`` counts
    as missing and missing values are dropped per side.

    ``column_kinds`` forces ``"numerical"``/``"categorical"``/``"text"``; ``method`` and
    ``threshold`` apply to every column; ``per_column[name] = (method,
    threshold)`` overrides them for one column (``None`` keeps the global
    choice). ``correction="bh"`` is Tandem's own, off by default: p-value
    tests are re-decided on Benjamini–Hochberg q-values across columns.

    Raises :class:`DriftInputError` (a ``ValueError``) for unusable input and
    ``UnknownMethodError`` for a method name that is not implemented.
    """
    column_kinds = dict(column_kinds or {})
    per_column = dict(per_column or {})
    for name, kind in column_kinds.items():
        if kind not in TESTED_KINDS:
            raise DriftInputError(
                f"column {name!r}: kind must be numerical or categorical (or text), not {kind!r}"
            )
    for m in [method, *(m for m, _ in per_column.values())]:
        if m is not None:
            get_method(m)
    if correction is not None and correction not in CORRECTIONS:
        raise DriftInputError(f"unknown correction {correction!r}; available: {CORRECTIONS}")

    skipped: list[SkippedColumn] = []
    if columns is None:
        names = [c for c in current.columns if c in reference.columns]
        skipped += [
            SkippedColumn(str(c), "not in reference")
            for c in current.columns
            if c not in reference.columns
        ]
        skipped += [
            SkippedColumn(str(c), "not in current")
            for c in reference.columns
            if c not in current.columns
        ]
    else:
        names = list(columns)
        for name in names:
            if name not in reference.columns or name not in current.columns:
                raise DriftInputError(f"column {name!r} is not in both reference and current data")
    if not names:
        raise DriftInputError("reference and current data have no column in common")

    jobs: list[tuple[str, str, str | None, float | None]] = []
    for name in names:
        kind = column_kinds.get(name) or infer_kind(current[name])
        if kind not in TESTED_KINDS:
            skipped.append(SkippedColumn(str(name), f"{kind} column"))
            continue
        col_method, col_threshold = per_column.get(name, (None, None))
        jobs.append(
            (
                name,
                kind,
                col_method or method,
                col_threshold if col_threshold is not None else threshold,
            )
        )

    def run(job: tuple[str, str, str | None, float | None]) -> ColumnDrift | SkippedColumn:
        name, kind, m, t = job
        return _column_drift(str(name), reference[name], current[name], kind, m, t)

    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and len(reference) + len(current) >= PARALLEL_MIN_ROWS:
        # NumPy's sort and search release the GIL, so columns run in parallel.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(run, jobs))
    else:
        outcomes = [run(job) for job in jobs]
    skipped += [r for r in outcomes if isinstance(r, SkippedColumn)]
    results = [r for r in outcomes if isinstance(r, ColumnDrift)]
    if correction == "bh":
        results = _correct(results, correction)
    for s in skipped:
        logger.info("drift: skipped column %r (%s)", s.column, s.reason)
    return DriftReport(tuple(results), float(drift_share), tuple(skipped), correction)
