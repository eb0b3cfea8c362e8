"""A fit in an ingest pool's worker runs OpenMP on one thread, as one in the ingest's own thread."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from app.production.native_threads import one_openmp_thread, one_openmp_thread_pool


def _openmp_threads(_: object = None) -> set[int]:
    """OpenMP's thread count as seen from the calling thread, for every runtime loaded."""
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"}


def test_every_worker_of_the_pool_fits_on_one_openmp_thread() -> None:
    with one_openmp_thread():  # as the multivariate pass takes it, around its pool
        assert _openmp_threads() == {1}
        with one_openmp_thread_pool(2) as pool:
            seen = list(pool.map(_openmp_threads, range(8)))
    assert seen == [{1}] * 8
