"""Many Streamlit sessions at once, each cycling through the app's pages.

Every session is one ``StreamlitSession`` (one websocket, as one browser tab
holds): it opens a page, waits until the script finished, records the time and
any error, and opens the next page, with ``think_s`` between visits. Session
``i`` starts at page ``i`` and uses ``queries[i % len(queries)]`` (a system and
a range), so the sessions spread over pages and cache keys instead of marching
in step. All sessions run in one asyncio loop in this process: 50 sessions cost
50 sockets, not 50 browsers.

A visit that fails at the protocol level (the connection drops, a run does not
finish within ``timeout_s``) counts as an error; the session reconnects and
goes on.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.exceptions import WebSocketException

from tests.support.streamlit_client import PageNotFinishedError, StreamlitSession

T = TypeVar("T")

Query = Mapping[str, str]


@dataclass(frozen=True)
class Visit:
    session: int
    page: str  # the page's title
    seconds: float
    errors: tuple[str, ...]
    ended_at: float  # time.monotonic()


@dataclass
class LoadReport:
    visits: list[Visit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # protocol-level, per session
    seconds: float = 0.0

    @property
    def errors(self) -> list[str]:
        """Every error: exception elements and the like per visit, then protocol failures."""
        found = [f"{v.page} (session {v.session}): {e}" for v in self.visits for e in v.errors]
        return found + self.failures

    def times(self) -> dict[str, list[float]]:
        """Page title -> script times (s) of its visits, in page order of first visit."""
        by_page: dict[str, list[float]] = {}
        for visit in self.visits:
            by_page.setdefault(visit.page, []).append(visit.seconds)
        return by_page


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation between closest ranks (NumPy's)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


async def discover_pages(base_url: str, timeout_s: float = 300) -> dict[str, str]:
    """URL path -> title of every page the app's navigation offers ("" is the default)."""
    async with StreamlitSession(base_url, timeout_s=timeout_s) as session:
        await session.open("")
        return dict(session.page_titles) or {"": "main"}  # a script without st.navigation


async def _session(
    index: int,
    base_url: str,
    pages: Mapping[str, str],
    query: Query,
    deadline: float,
    rounds: int | None,
    think_s: float,
    timeout_s: float,
    report: LoadReport,
) -> None:
    paths = list(pages)
    order = paths[index % len(paths) :] + paths[: index % len(paths)]
    todo = len(order) * rounds if rounds is not None else math.inf
    done = 0
    while done < todo and time.monotonic() < deadline:
        try:
            async with StreamlitSession(base_url, timeout_s=timeout_s) as session:
                while done < todo and time.monotonic() < deadline:
                    path = order[done % len(order)]
                    run = await session.open(path, query)
                    done += 1
                    report.visits.append(
                        Visit(index, pages[path], run.seconds, run.errors, time.monotonic())
                    )
                    if think_s:
                        await asyncio.sleep(think_s)
        except (OSError, WebSocketException, PageNotFinishedError) as error:
            done += 1  # the visit that failed
            report.failures.append(f"session {index}: {type(error).__name__}: {error}")
            await asyncio.sleep(1)  # then reconnect; a dead server is not hammered


async def run_load_async(
    base_url: str,
    sessions: int,
    queries: Sequence[Query],
    *,
    pages: Mapping[str, str] | None = None,
    duration_s: float | None = None,
    rounds: int | None = None,
    think_s: float = 0.0,
    timeout_s: float = 300,
    ramp_s: float = 2.0,
) -> LoadReport:
    """Run ``sessions`` sessions for ``duration_s`` seconds or ``rounds`` rounds of every page.

    A session that is mid-visit at the deadline finishes that visit. Sessions
    start spread over ``ramp_s`` seconds, as people arrive, not in one instant.
    """
    if (duration_s is None) == (rounds is None):
        raise ValueError("give exactly one of duration_s and rounds")
    pages = pages or await discover_pages(base_url, timeout_s)
    report = LoadReport()
    start = time.monotonic()
    deadline = start + duration_s if duration_s is not None else math.inf

    async def staggered(index: int) -> None:
        await asyncio.sleep(ramp_s * index / max(sessions, 1))
        await _session(
            index,
            base_url,
            pages,
            queries[index % len(queries)],
            deadline,
            rounds,
            think_s,
            timeout_s,
            report,
        )

    await asyncio.gather(*(staggered(i) for i in range(sessions)))
    report.seconds = time.monotonic() - start
    return report


def run_load(
    base_url: str, sessions: int, queries: Sequence[Query], **options: object
) -> LoadReport:
    """``run_load_async`` in a fresh event loop (for scripts and tests)."""
    return run_in_own_loop(run_load_async(base_url, sessions, queries, **options))  # type: ignore[arg-type]


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end in a new event loop on a thread of its own.

    ``asyncio.run`` refuses to start where a loop is already running, and
    Playwright's sync API keeps one running on the main thread for the rest of a
    test run once a browser test has started it.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="own-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
