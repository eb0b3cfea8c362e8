"""The ingest's multivariate pass: detectors per changed window, importance per changed reference.

Runs in the ingest's session right after the per-column drift pass
(:func:`app.production.drift.refresh_window_results`) and recomputes the same
windows: every changed production window, and every production window whose
resolved reference (:func:`app.production.reference.resolve_reference`)
changed. A changed reference also gets its feature importances
(:mod:`app.production.importance`). Detectors: :mod:`app.production.multivariate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from app.production.drift import window_refs
from app.production.importance import Importance, permutation_importances
from app.production.lake_files import window_reader
from app.production.multivariate import Detectors, Measure
from app.production.multivariate_store import save_importances, save_measures
from app.production.native_threads import one_openmp_thread, one_openmp_thread_pool
from app.production.reference import WindowRef, resolve_reference

# One worker: the classifier's fits are mostly Python (per-tree and preprocessing
# overhead) under the GIL. 30 fraud windows, each worker on one OpenMP thread, load < 2
# on 2 cores: 3.6-4.5 s serially, 5.2-5.4 s with two workers; and two threads in
# scikit-learn's Parallel at once race on the process-wide warning filters (hundreds of
# 'sklearn.utils.parallel.delayed should be used with ... Parallel' UserWarnings a seed).
WORKERS = 1


def refresh_multivariate(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute the multivariate rows the ingest's ``changed`` windows touch; windows measured."""
    changed = list(changed)
    if not changed:
        return 0
    frames = frames or {}
    windows = window_refs(session, system_id)
    references = [w for w in windows if w.is_reference]
    by_id = {r.id: r for r in references}
    changed_refs = {wid for wid, is_ref in changed if is_ref}
    changed_windows = {wid for wid, is_ref in changed if not is_ref}
    plan: dict[int, list[WindowRef]] = {}
    for window in windows:
        if window.is_reference:
            continue
        ref = resolve_reference(references, window.model_version)
        if ref is not None and (window.id in changed_windows or ref.id in changed_refs):
            plan.setdefault(ref.id, []).append(window)

    read = window_reader(session, system_id, data_dir, frames)  # lake windows too

    def rows_of(window: WindowRef) -> pd.DataFrame:
        return read(window.id, window.path)

    importances: dict[int, Sequence[Importance]] = {}
    measures: dict[int, tuple[int, Sequence[Measure]]] = {}
    with one_openmp_thread():  # the pool below is the parallelism; OpenMP's spinning cost 5x
        for ref_id in changed_refs & set(by_id):
            ref = by_id[ref_id]
            importances[ref_id] = permutation_importances(rows_of(ref), ref.feature_columns)
        for ref_id, targets in plan.items():
            detectors = Detectors(rows_of(by_id[ref_id]), by_id[ref_id].feature_columns)
            measure = partial(_measure, detectors=detectors, rows_of=rows_of)
            with one_openmp_thread_pool(WORKERS) as pool:
                for window, found in zip(targets, pool.map(measure, targets), strict=True):
                    measures[window.id] = (ref_id, found)
    save_importances(session, importances)
    save_measures(session, measures)
    return len(measures)


def _measure(
    window: WindowRef, *, detectors: Detectors, rows_of: Callable[[WindowRef], pd.DataFrame]
) -> list[Measure]:
    return detectors.measure(rows_of(window))
