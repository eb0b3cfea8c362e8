"""scikit-learn's native code on one OpenMP thread per Python thread.

HistGradientBoosting fits on a few hundred or thousand rows (DLE's nannies,
the domain classifier, the importance surrogate) are dominated by OpenMP's
thread start and spin-wait, not by arithmetic: on this 2-core machine a
5-fold domain classifier took 0.99 s with OpenMP's default threads and
0.20 s with one. Parallelism comes from the callers' own thread pools.

OpenMP's thread count is a setting of each thread (libgomp's ``nthreads``
ICV): ``threadpool_limits`` entered in one thread limits the fits that
thread runs, and a thread started later begins with OpenMP's default (one
OpenMP thread per core). So a pool's workers are limited each on its own
(:func:`one_openmp_thread_pool`); under a limit taken only by the thread that
made the pool, the multivariate pass's two workers each fitted on two
OpenMP threads (24 fraud windows: 11.8 s of CPU and 750,000 context
switches, against 4.1 s and 6,000 with the workers limited). Ingest only:
scikit-learn takes seconds to import.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any


def one_openmp_thread() -> Any:
    """A context manager: OpenMP limited to one thread, in the calling thread, while it is open.

    threadpoolctl limits the runtimes loaded when it is entered, so
    scikit-learn's compiled trees (which load OpenMP) are imported first.
    """
    import sklearn.ensemble  # noqa: F401  # loads the OpenMP runtime the limit applies to
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def one_blas_thread() -> Any:
    """A context manager: BLAS (OpenBLAS) limited to one thread, process-wide, while it is open.

    The PCA detector's projections (tens of thousands of rows by a handful of
    columns) are too small to share: with OpenBLAS's default two threads a
    window's ``z @ components.T @ components`` took 31 ms of CPU at load 7,
    with one 1.8 ms (the same product: each thread computes its own rows).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def one_openmp_thread_pool(workers: int) -> ThreadPoolExecutor:
    """A thread pool whose every worker runs OpenMP on one thread (for the pool's lifetime)."""
    return ThreadPoolExecutor(max_workers=workers, initializer=_limit_this_thread)


def _limit_this_thread() -> None:
    import sklearn.ensemble  # noqa: F401  # as above: OpenMP must be loaded to be limited
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="openmp")  # applied now; the thread ends with the pool
