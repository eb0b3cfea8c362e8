"""scikit-learn's native code on one OpenMP thread per Python thread.

HistGradientBoosting fits on a few hundred or thousand rows (DLE's nannies,
the domain classifier, the importance surrogate) are dominated by OpenMP's
thread start and spin-wait, not by arithmetic: on this 2-core machine a
5-fold domain classifier took 0.99 s with OpenMP's default threads and
0.20 s with one. Parallelism comes from the callers' own thread pools.
``threadpool_limits`` is process-wide, so it wraps a whole pass from one
thread, never a single fit inside a pool. Ingest only: scikit-learn takes
seconds to import.
"""

from __future__ import annotations

from typing import Any


def one_openmp_thread() -> Any:
    """A context manager: OpenMP limited to one thread while it is open.

    threadpoolctl limits the runtimes loaded when it is entered, so
    scikit-learn's compiled trees (which load OpenMP) are imported first.
    """
    import sklearn.ensemble  # noqa: F401  # loads the OpenMP runtime the limit applies to
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")
