"""The domain classifier's fits in the worker process: the in-process AUC, even if it dies."""

from __future__ import annotations

import os
import signal

import numpy as np

from app.production import domain_classifier
from app.production.native_threads import one_openmp_thread


def inputs(shift: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    rng = np.random.default_rng(seed)
    reference = rng.normal(0.0, 1.0, (300, 3))
    current = rng.normal(0.0, 1.0, (300, 3))
    current[:, 0] += shift
    codes = rng.integers(0, 4, 600).astype(float)[:, None]
    x = np.hstack([np.vstack([reference, current]), codes])
    y = np.concatenate([np.zeros(300), np.ones(300)])
    return x, y, [False, False, False, True]


def in_process(x: np.ndarray, y: np.ndarray, categorical: list[bool]) -> float:
    with one_openmp_thread():
        return domain_classifier.cross_validated_auc(x, y, categorical)


def test_the_worker_gives_the_in_process_auc() -> None:
    shifted, same = inputs(1.0), inputs(0.0, seed=1)
    futures = [domain_classifier.submit(*shifted), domain_classifier.submit(*same)]
    aucs = [domain_classifier.result(f, *i) for f, i in zip(futures, (shifted, same), strict=True)]
    assert aucs == [in_process(*shifted), in_process(*same)]
    assert aucs[0] > 0.65 > aucs[1]


def test_a_killed_worker_is_replaced_by_a_fit_here() -> None:
    data = inputs(1.0)
    domain_classifier.submit(*data).result()  # the worker is up
    worker = domain_classifier._Worker.get()
    assert worker is not None
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    future = domain_classifier.submit(*data)
    assert domain_classifier.result(future, *data) == in_process(*data)
    again = domain_classifier.submit(*data)  # a new worker (or a fit here) after the broken one
    assert domain_classifier.result(again, *data) == in_process(*data)
