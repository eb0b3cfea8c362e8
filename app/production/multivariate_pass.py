"""The ingest's multivariate pass: detectors per changed window, importance per changed reference.

Runs in the ingest's session and recomputes the windows the per-column
drift pass (:func:`app.production.drift.refresh_window_results`) does: every
changed production window, and every production window whose resolved
reference (:func:`app.production.reference.resolve_reference`)
changed. A changed reference also gets its feature importances
(:mod:`app.production.importance`). Detectors: :mod:`app.production.multivariate`.

The ingest starts the pass (:func:`start_multivariate`: importances and PCA
errors computed, the domain classifier's fits handed to a worker process,
:mod:`app.production.domain_classifier`), measures performance, drift,
fairness and value meanwhile, then saves it (:meth:`PendingMultivariate.save`).
A file without a reference hands each window to the worker as soon as it is
written (:class:`EarlyWindows`), so the fits run while the next windows are
split and written instead of after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.production import domain_classifier
from app.production.drift import window_refs
from app.production.importance import Importance, permutation_importances
from app.production.lake_files import window_reader
from app.production.multivariate import Detectors, Measure, PreparedWindow
from app.production.multivariate_store import save_importances, save_measures
from app.production.native_threads import one_blas_thread, one_openmp_thread
from app.production.reference import WindowRef, resolve_reference
from app.store.models import ProductionWindow, System


def warm_for(engine: Engine, system: str, reference: bool) -> None:
    """Start the classifier's worker now if an ingest into ``system`` may use it.

    Called before the file is read, so the worker's scikit-learn import (seconds)
    overlaps reading and validating it: a reference file, or a system holding a
    reference (the pipeline warms the same cases, later).
    """
    if not reference:
        query = (
            select(ProductionWindow.id)
            .join(System, System.id == ProductionWindow.system_id)
            .where(System.name == system, ProductionWindow.is_reference.is_(True))
            .limit(1)
        )
        with engine.connect() as connection:
            if connection.execute(query).first() is None:
                return
    domain_classifier.warm()


class EarlyWindows:
    """A production file's windows prepared and handed to the worker as the writer adds them.

    Only for a file that brings no reference: the references are then the
    stored ones, before and after the file, so each window's reference and
    detectors are known when it is written. :func:`start_multivariate` takes
    what was handed over and prepares the rest of its plan (same windows, same
    inputs, same order of rows saved).
    """

    def __init__(self, session: Session, system_id: int, data_dir: Path) -> None:
        self.references = [w for w in window_refs(session, system_id) if w.is_reference]
        self.detectors: dict[int, Detectors] = {}
        self.prepared: dict[int, tuple[int, PreparedWindow | None, Future[float] | None]] = {}
        self._read = window_reader(session, system_id, data_dir)  # the references' rows
        if self.references:
            domain_classifier.warm()  # the worker imports scikit-learn meanwhile

    def add(self, window_id: int, model_version: int, rows: pd.DataFrame) -> None:
        """Prepare the written window ``window_id`` now and submit its classifier's fits."""
        ref = resolve_reference(self.references, model_version)
        if ref is None:
            return
        with one_blas_thread():  # the PCA's small products (native_threads)
            prepared = self.detectors_of(ref).prepare(rows)
        future = domain_classifier.submit(*prepared.domain) if prepared is not None else None
        self.prepared[window_id] = (ref.id, prepared, future)

    def detectors_of(self, ref: WindowRef) -> Detectors:
        if ref.id not in self.detectors:
            self.detectors[ref.id] = Detectors(self._read(ref.id, ref.path), ref.feature_columns)
        return self.detectors[ref.id]


def refresh_multivariate(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> int:
    """Recompute the multivariate rows the ingest's ``changed`` windows touch; windows measured."""
    return start_multivariate(session, system_id, changed, data_dir, frames).save(session)


@dataclass
class PendingMultivariate:
    """A pass whose domain-classifier fits run in the worker process; :meth:`save` waits."""

    importances: dict[int, Sequence[Importance]] = field(default_factory=dict)
    windows: list[tuple[int, int, PreparedWindow, Future[float]]] = field(default_factory=list)

    def save(self, session: Session) -> int:
        """Store the importances and every window's measures; how many windows."""
        measures: dict[int, tuple[int, Sequence[Measure]]] = {}
        for window_id, ref_id, prepared, future in self.windows:
            auc = domain_classifier.result(future, *prepared.domain)
            measures[window_id] = (ref_id, prepared.measures(auc))
        save_importances(session, self.importances)
        save_measures(session, measures)
        return len(measures)


def start_multivariate(
    session: Session,
    system_id: int,
    changed: Iterable[tuple[int, bool]],
    data_dir: Path,
    frames: Mapping[int, pd.DataFrame] | None = None,
    early: EarlyWindows | None = None,
) -> PendingMultivariate:
    """Importances and PCA errors now; the domain classifier's fits handed to the worker.

    The caller does other work, then calls :meth:`PendingMultivariate.save`
    in the same session. ``early``: windows already prepared and submitted
    while they were written (:class:`EarlyWindows`).
    """
    pending = PendingMultivariate()
    changed = list(changed)
    if not changed:
        return pending
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

    if plan:
        domain_classifier.warm()  # the worker imports scikit-learn while PCA runs here
    for ref_id in changed_refs & set(by_id):
        ref = by_id[ref_id]
        with one_openmp_thread():
            pending.importances[ref_id] = permutation_importances(rows_of(ref), ref.feature_columns)
    handed = early.prepared if early is not None else {}
    for ref_id, targets in plan.items():
        detectors: Detectors | None = None
        for window in targets:
            prepared: PreparedWindow | None
            future: Future[float] | None
            if window.id in handed and handed[window.id][0] == ref_id:
                _, prepared, future = handed[window.id]
            else:
                if detectors is None:
                    detectors = (
                        early.detectors_of(by_id[ref_id])
                        if early is not None
                        else Detectors(rows_of(by_id[ref_id]), by_id[ref_id].feature_columns)
                    )
                with one_blas_thread():  # the PCA's small products (native_threads)
                    prepared = detectors.prepare(rows_of(window))
                future = None
                if prepared is not None:
                    future = domain_classifier.submit(*prepared.domain)
            if prepared is not None and future is not None:
                pending.windows.append((window.id, ref_id, prepared, future))
    return pending
