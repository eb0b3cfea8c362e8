"""The domain classifier's cross-validated fits, run in a second process beside the ingest.

:func:`cross_validated_auc` is the detector's fit (conventions in
:mod:`app.production.multivariate`). Its five fits per window are mostly
Python under the GIL (a thread pool does not help), and importing
scikit-learn costs seconds, so the ingest hands them to one worker process
(:func:`submit`) that imports scikit-learn once and fits while the ingest's
own process measures performance and per-column drift: on 2 cores the two
overlap. The worker is ``python -m app.production.domain_classifier``, a
fresh interpreter (never a fork of a process holding database connections
or OpenMP threads, and unlike multiprocessing's ``spawn`` it never re-runs
the caller's script), started on first use and kept for the process's next
ingests; it reads pickled inputs (the sampled, encoded rows: at most
2 × 500 a window) on stdin and writes each AUC on stdout, and ends when its
stdin closes (the ingest's process exited). If it cannot run (it died, or
no process can be started), the fits run in the calling process: the same
inputs and seeds, the same AUC.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

import numpy as np

logger = logging.getLogger(__name__)

FOLDS = 5
SEED = 13
BINS = 64
ITERATIONS = 30
LEAVES = 8


class WorkerGone(RuntimeError):
    """The worker process ended before answering."""


def cross_validated_auc(x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> float:
    """ROC AUC of out-of-fold scores over ``FOLDS`` stratified folds (class 1 vs class 0).

    The caller limits OpenMP to one thread (:mod:`app.production.native_threads`).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier  # seconds to import: ingest only
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(x, y):
        model = HistGradientBoostingClassifier(
            max_iter=ITERATIONS,
            max_leaf_nodes=LEAVES,
            max_bins=BINS,
            early_stopping=False,
            categorical_features=categorical if any(categorical) else None,
            random_state=SEED,
        )
        model.fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    return float(roc_auc_score(y, scores))


def warm() -> None:
    """Start the worker now (its scikit-learn import overlaps the caller's work)."""
    _Worker.get()


def submit(x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> Future[float]:
    """The AUC of ``x``/``y`` as a future, computed by the worker (or here if it cannot)."""
    worker = _Worker.get()
    if worker is not None:
        try:
            return worker.submit(x, y, categorical)
        except OSError:
            worker.stop()
    done: Future[float] = Future()
    done.set_result(_here(x, y, categorical))
    return done


def result(future: Future[float], x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> float:
    """The future's AUC; computed here when the worker ended before giving it."""
    try:
        return future.result()
    except WorkerGone:
        logger.warning("the domain classifier's worker stopped; fitting in this process")
        return _here(x, y, categorical)


def _here(x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> float:
    from app.production.native_threads import one_openmp_thread

    with one_openmp_thread():
        return cross_validated_auc(x, y, categorical)


class _Worker:
    """The worker process, its pipes and the futures it has yet to answer."""

    _current: _Worker | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])  # the folder holding ``app``
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        self.pending: dict[int, Future[float]] = {}
        self.next_id = 0
        self.write_lock = threading.Lock()
        self.alive = True
        self.outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, name="domain-classifier", daemon=True).start()
        threading.Thread(target=self._write, name="domain-classifier-in", daemon=True).start()
        atexit.register(self.close)

    @classmethod
    def get(cls) -> _Worker | None:
        with cls._lock:
            if cls._current is None or not cls._current.alive:
                try:
                    cls._current = _Worker()
                except OSError as error:  # no processes here: fit in the caller
                    logger.warning("no worker process for the domain classifier: %s", error)
                    cls._current = None
            return cls._current

    def submit(self, x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> Future[float]:
        future: Future[float] = Future()
        with self.write_lock:
            if not self.alive:
                raise OSError("the worker has ended")
            job = self.next_id
            self.next_id += 1
            self.pending[job] = future
        # Written by a thread of its own: a pipe holds 64 KiB, a window's inputs as much,
        # and the worker reads the next only when the fit before is done.
        self.outbox.put(pickle.dumps((job, x, y, categorical), protocol=pickle.HIGHEST_PROTOCOL))
        return future

    def stop(self) -> None:
        self.alive = False
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """End the worker: its stdin closed, it exits after the fit it is in."""
        self.alive = False
        self.outbox.put(None)  # after the inputs already queued, stdin is closed
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.stop()

    def _write(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # the worker ended: _read fails what is pending
            while (message := self.outbox.get()) is not None:
                stdin.write(message)
                stdin.flush()
        with contextlib.suppress(OSError):
            stdin.close()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                job, value = pickle.load(stdout)
                with self.write_lock:
                    future = self.pending.pop(job)
                if isinstance(value, float):
                    future.set_result(value)
                else:
                    future.set_exception(RuntimeError(f"domain classifier: {value}"))
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        with self.write_lock:
            self.alive = False
            gone, self.pending = self.pending, {}
            with contextlib.suppress(OSError):
                stdout.close()
        self.outbox.put(None)  # the writer closes stdin
        with contextlib.suppress(OSError):
            self.process.wait()
        for future in gone.values():
            future.set_exception(WorkerGone("the worker process ended"))


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's loop: a pickled (job, x, y, categorical) in, (job, AUC or error) out."""
    import sklearn.ensemble  # noqa: F401  # loads the OpenMP runtime the limit applies to
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="openmp")  # the ingest's process has the other core
    while True:
        try:
            job, x, y, categorical = pickle.load(requests)
        except EOFError:
            return
        answer: Any
        try:
            answer = cross_validated_auc(x, y, categorical)
        except Exception as error:  # noqa: BLE001  # reported to the caller, which raises it
            answer = f"{type(error).__name__}: {error}"
        pickle.dump((job, answer), answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    _serve(sys.stdin.buffer, answers)
