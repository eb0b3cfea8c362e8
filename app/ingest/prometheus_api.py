"""Prometheus' ``query_range`` API over a window of whole steps, chunked under its point limit.

A query evaluated at ``t`` describes the interval ``[t - step, t)``. Only the
standard library speaks HTTP here.
"""

from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tqdm import tqdm

from app.ingest.errors import PrometheusError

__all__ = [
    "MAX_POINTS",
    "Window",
    "fetch",
    "fetch_buckets",
    "parse_step",
    "parse_time",
    "query_range",
    "query_range_by_le",
]

# Prometheus refuses a range query of more than 11,000 points per series.
MAX_POINTS = 10_000
_STEP = re.compile(r"(\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Window:
    """Whole ``step``-second intervals: starts ``first``, ``first + step``, ... (epoch s)."""

    first: int
    count: int
    step: int

    @classmethod
    def between(cls, since: datetime, until: datetime, step: int) -> Window:
        """The intervals of the step grid that lie wholly inside ``[since, until)``."""
        if since >= until:
            raise PrometheusError(
                f"--since ({since.isoformat()}) must be before --until ({until.isoformat()})"
            )
        start = -(-math.ceil(since.timestamp()) // step) * step
        end = math.floor(until.timestamp()) // step * step
        if end - start < step:
            raise PrometheusError(
                f"--since..--until holds no whole {step}s interval of the step grid"
            )
        return cls(start, (end - start) // step, step)

    def chunks(self, max_points: int = MAX_POINTS) -> list[tuple[int, int]]:
        """(first, last) evaluation times of each range query, at most ``max_points`` each.

        An interval is evaluated at its end, so the times run ``first + step``
        to ``first + count * step``; chunks neither overlap nor leave gaps.
        """
        if max_points < 1:
            raise ValueError("max_points must be at least 1")
        result = []
        for offset in range(0, self.count, max_points):
            points = min(max_points, self.count - offset)
            begin = self.first + (offset + 1) * self.step
            result.append((begin, begin + (points - 1) * self.step))
        return result


def parse_time(value: str, name: str) -> datetime:
    """An ISO 8601 timestamp as UTC; one without a zone is taken as UTC."""
    from app.health.window import parse_instant

    try:
        return parse_instant(value, name)
    except ValueError as error:
        raise PrometheusError(str(error)) from None


def parse_step(value: str) -> int:
    """A step such as ``60s``, ``5m``, ``1h`` or ``60`` (seconds), in whole seconds."""
    match = _STEP.fullmatch(value.strip())
    seconds = int(match[1]) * _UNITS[match[2]] if match else 0
    if seconds < 1:
        raise PrometheusError(
            f"--step: expected a positive duration such as 60s, 5m or 1h, got {value!r}"
        )
    return seconds


def query_range(
    url: str, query: str, start: int, end: int, step: int, *, timeout: float = 30.0
) -> dict[int, float]:
    """The one series ``query`` returns, as {evaluation time: value}; {} for no series."""
    params = urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": step})
    request = urllib.request.Request(f"{url}/api/v1/query_range?{params}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise PrometheusError(
            f"Prometheus at {url} rejected {query!r}: {_api_error(error.read(), error)}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PrometheusError(f"cannot reach Prometheus at {url}: {reason}") from None
    try:
        answer = json.loads(body)
        if answer["status"] != "success":
            raise PrometheusError(f"Prometheus at {url} rejected {query!r}: {answer['error']}")
        data = answer["data"]
    except (ValueError, KeyError, TypeError):
        raise PrometheusError(f"{url} did not answer like a Prometheus server") from None
    if data.get("resultType") != "matrix":
        raise PrometheusError(f"{query!r} returned a {data.get('resultType')}, expected a range")
    series = data["result"]
    if len(series) > 1:
        labels = ", ".join(json.dumps(s["metric"]) for s in series[:3])
        raise PrometheusError(
            f"{query!r} returned {len(series)} series ({labels}...); "
            "expected one: aggregate it, e.g. with sum(...)"
        )
    return {round(float(t)): float(v) for t, v in series[0]["values"]} if series else {}


def query_range_by_le(
    url: str, query: str, start: int, end: int, step: int, *, timeout: float = 30.0
) -> dict[int, dict[float, float]]:
    """``query``'s series, one per ``le`` label, as {evaluation time: {le: value}}."""
    params = urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": step})
    request = urllib.request.Request(f"{url}/api/v1/query_range?{params}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise PrometheusError(
            f"Prometheus at {url} rejected {query!r}: {_api_error(error.read(), error)}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PrometheusError(f"cannot reach Prometheus at {url}: {reason}") from None
    except ValueError:
        raise PrometheusError(f"{url} did not answer like a Prometheus server") from None
    result: dict[int, dict[float, float]] = {}
    for series in answer.get("data", {}).get("result", []):
        le = series.get("metric", {}).get("le")
        try:
            bound = float(le)
        except (TypeError, ValueError):
            raise PrometheusError(
                f"{query!r} returned a series without a numeric le label "
                f"({json.dumps(series.get('metric'))}); expected sum by (le) (...)"
            ) from None
        for t, v in series["values"]:
            result.setdefault(round(float(t)), {})[bound] = float(v)
    return result


def fetch_buckets(
    url: str, query: str, window: Window, *, max_points: int = MAX_POINTS, timeout: float = 30.0
) -> dict[int, dict[float, float]]:
    """The bucket query over ``window``, chunked: {evaluation time: {le (s): count}}."""
    wanted = query.replace("{step}", f"{window.step}s")
    result: dict[int, dict[float, float]] = {}
    for start, end in window.chunks(max_points):
        result.update(query_range_by_le(url, wanted, start, end, window.step, timeout=timeout))
    return result


def _api_error(body: bytes, error: urllib.error.HTTPError) -> str:
    """Prometheus' own error message ({"errorType", "error"}), else the HTTP status."""
    try:
        answer = json.loads(body)
        return f"{answer['errorType']}: {answer['error']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code} {error.reason}"


def fetch(
    url: str,
    queries: Mapping[str, str],
    window: Window,
    *,
    max_points: int = MAX_POINTS,
    progress: bool = False,
    timeout: float = 30.0,
) -> dict[str, dict[int, float]]:
    """Every non-empty query over ``window``, chunked: {column: {evaluation time: value}}."""
    duration = f"{window.step}s"
    chunks = window.chunks(max_points)
    wanted = {key: q.replace("{step}", duration) for key, q in queries.items() if q}
    values: dict[str, dict[int, float]] = {key: {} for key in wanted}
    total = len(wanted) * len(chunks)
    with tqdm(total=total, desc="Prometheus queries", unit="query", disable=not progress) as bar:
        for key, query in wanted.items():
            for start, end in chunks:
                values[key].update(
                    query_range(url, query, start, end, window.step, timeout=timeout)
                )
                bar.update(1)
    return values
