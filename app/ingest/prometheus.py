"""``tandem import-prometheus``: golden signals from Prometheus' ``query_range`` API.

Each health-sample column has a PromQL query (:data:`DEFAULT_QUERIES`, or a
TOML mapping that overrides some of them); ``{step}`` in a query becomes the
step as a Prometheus duration (``60s``). A query evaluated at ``t`` describes
the interval ``[t - step, t)`` (``increase(x[60s])`` at 10:01 counts 10:00 to
10:01), so it is stored as the sample of that interval's start; gauges are
read at the interval's end. Intervals sit on a grid of whole steps since the
epoch, so overlapping imports land on the same timestamps and re-importing
adds nothing (same natural key and upsert as ``tandem ingest health``).

Only the standard library speaks HTTP here. Everything is fetched and
checked before the one write transaction, so bad input writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from tqdm import tqdm

from app.ingest.formats import FORMATS
from app.ingest.importers import refresh_rollups
from app.ingest.rows import write_rows
from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem
from app.store.db import get_engine, session_scope
from app.store.models import HealthLatencyBucket, HealthSample, IngestRecord
from app.store.rows import ensure_systems, table_of

__all__ = [
    "DEFAULT_BUCKET_QUERY",
    "DEFAULT_QUERIES",
    "LATENCY_BUCKETS",
    "MAX_POINTS",
    "PrometheusError",
    "PrometheusImportSummary",
    "Window",
    "bucket_rows",
    "fetch",
    "fetch_buckets",
    "import_prometheus",
    "load_mapping",
    "parse_step",
    "parse_time",
    "query_range",
    "query_range_by_le",
    "to_frame",
]

logger = logging.getLogger(__name__)

# Prometheus refuses a range query of more than 11,000 points per series.
MAX_POINTS = 10_000
REQUIRED = ("requests", "errors")
_RATIOS = ("cpu_util", "mem_util")
# A rate-based utilisation can overshoot 0..1 a little (extrapolation,
# scrape jitter); beyond this the query is measuring something else.
_RATIO_SLACK = 0.05


def _quantile(q: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (le) "
        "(rate(http_request_duration_seconds_bucket[{step}]))) * 1000"
    )


# The conventions of the Prometheus client libraries and node_exporter.
# A service that never failed has no 5xx series at all: `or vector(0)` makes
# that 0 errors rather than no data.
DEFAULT_QUERIES: Mapping[str, str] = {
    "requests": "sum(increase(http_requests_total[{step}]))",
    "errors": 'sum(increase(http_requests_total{code=~"5.."}[{step}])) or vector(0)',
    "latency_p50_ms": _quantile("0.5"),
    "latency_p95_ms": _quantile("0.95"),
    "latency_p99_ms": _quantile("0.99"),
    "cpu_util": '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[{step}]))',
    "mem_util": "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)",
}

OPTIONAL = tuple(k for k in DEFAULT_QUERIES if k not in REQUIRED)

# Not a column: one series per ``le`` (seconds, as the client libraries name
# it), stored as ``health_latency_buckets`` (ms) so a range's percentiles are
# read from summed buckets (``app.health.latency``). An empty mapping string
# leaves them out.
LATENCY_BUCKETS = "latency_buckets"
DEFAULT_BUCKET_QUERY = "sum by (le) (increase(http_request_duration_seconds_bucket[{step}]))"

_STEP = re.compile(r"(\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class PrometheusError(ValueError):
    """Bad input, or Prometheus could not answer: nothing was written."""


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


@dataclass(frozen=True)
class PrometheusImportSummary:
    """What an import read and changed (nothing written on a repeated import)."""

    url: str
    system: str
    intervals: int
    rows_read: int
    rows_written: int
    empty_signals: tuple[str, ...]
    systems_created: tuple[str, ...]

    def describe(self) -> str:
        text = (
            f"{self.url}: {self.rows_read} samples of {self.intervals} intervals read "
            f"for {self.system}, {self.rows_written} written"
        )
        if self.empty_signals:
            text += f"; no data (stored empty): {', '.join(self.empty_signals)}"
        if self.systems_created:
            text += f"; new systems: {', '.join(self.systems_created)}"
        return text


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


def load_mapping(path: Path | str | None) -> dict[str, str]:
    """The queries: the defaults, overridden by the TOML file at ``path`` if given.

    The file maps column names to PromQL strings; an empty string leaves an
    optional column empty (NULL). ``latency_buckets`` overrides
    :data:`DEFAULT_BUCKET_QUERY` (empty: no buckets). Unknown keys and
    non-strings are errors.
    """
    queries = dict(DEFAULT_QUERIES)
    if path is None:
        return queries
    path = Path(path)
    try:
        overrides: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PrometheusError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PrometheusError(f"{path}: not a valid TOML file: {error}") from None
    known = [*queries, LATENCY_BUCKETS]  # the bucket query: DEFAULT_BUCKET_QUERY
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise PrometheusError(
            f"{path}: unknown keys {', '.join(unknown)}; expected some of {', '.join(known)}"
        )
    for key, query in overrides.items():
        if not isinstance(query, str):
            raise PrometheusError(f"{path}: {key}: expected a PromQL string, got {query!r}")
        if key in REQUIRED and not query.strip():
            raise PrometheusError(f"{path}: {key}: a query is required, got an empty string")
        queries[key] = query.strip()
    return queries


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


def bucket_rows(
    buckets: Mapping[int, Mapping[float, float]], times: list[int], step: int
) -> pd.DataFrame:
    """``health_latency_buckets`` rows (timestamp, le_ms, count) of the intervals ``times`` end.

    Bounds become ms. An interval is kept only with a +Inf bucket and finite
    counts ≥ 0; counts are made cumulative-monotonic as ``histogram_quantile``
    does (``increase`` extrapolates each series on its own, so a higher bucket
    can come out a hair lower).
    """
    rows: list[tuple[pd.Timestamp, float, float]] = []
    for t in times:
        counts = buckets.get(t, {})
        if math.inf not in counts or not all(math.isfinite(c) and c >= 0 for c in counts.values()):
            continue
        start = pd.Timestamp(t - step, unit="s", tz="UTC")
        highest = 0.0
        for le in sorted(counts):
            highest = max(highest, counts[le])
            rows.append((start, le * 1000 if math.isfinite(le) else math.inf, highest))
    return pd.DataFrame(rows, columns=["timestamp", "le_ms", "count"]).astype(
        {"le_ms": "float64", "count": "float64"}
    )


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


def to_frame(values: Mapping[str, Mapping[int, float]], step: int) -> pd.DataFrame:
    """Health-sample rows for every evaluation time ``requests`` has a value at.

    Counts are rounded to whole requests (``increase`` extrapolates, so it can
    return fractions); a missing or non-finite optional value is NULL, never 0.
    """
    for key in REQUIRED:
        if not values.get(key):
            raise PrometheusError(
                f"the {key} query returned no data in this range: check the query "
                "(see the mapping in README.md) and --since/--until"
            )
    times = sorted(values["requests"])
    columns: dict[str, Any] = {
        "timestamp": pd.to_datetime([t - step for t in times], unit="s", utc=True),
    }
    for key in REQUIRED:
        columns[key] = [_count(key, t, values[key].get(t)) for t in times]
    for key in OPTIONAL:
        series = values.get(key, {})
        columns[key] = [_optional(key, t, series.get(t)) for t in times]
    dtypes = {k: "int64" for k in REQUIRED} | {k: "float64" for k in OPTIONAL}
    return pd.DataFrame(columns).astype(dtypes)


def _bound(key: str) -> float:
    """The health format's upper bound of ``key`` (docs/data-formats.md), else +inf."""
    column = FORMATS["health"].column(key)
    return math.inf if column is None or column.maximum is None else column.maximum


def _count(key: str, at: int, value: float | None) -> int:
    if value is None or not math.isfinite(value) or not 0 <= value <= _bound(key):
        when = datetime.fromtimestamp(at, UTC).isoformat()
        got = "no value" if value is None else repr(value)
        raise PrometheusError(f"{key} at {when}: expected a count, got {got}")
    return round(value)


def _optional(key: str, at: int, value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return math.nan
    if key in _RATIOS:
        if not -_RATIO_SLACK <= value <= 1 + _RATIO_SLACK:
            when = datetime.fromtimestamp(at, UTC).isoformat()
            raise PrometheusError(f"{key} at {when}: expected a 0–1 ratio, got {value!r}")
        return min(max(value, 0.0), 1.0)
    if value > _bound(key):
        when = datetime.fromtimestamp(at, UTC).isoformat()
        raise PrometheusError(f"{key} at {when}: expected at most {_bound(key):.0f}, got {value!r}")
    return value


def import_prometheus(
    url: str,
    *,
    system: str,
    since: datetime,
    until: datetime,
    step: int = 60,
    queries: Mapping[str, str] | None = None,
    engine: Engine | None = None,
    max_points: int = MAX_POINTS,
    progress: bool = False,
    timeout: float = 30.0,
) -> PrometheusImportSummary:
    """Fetch the golden signals of ``[since, until)`` and store them, in one transaction."""
    url = _base_url(url)
    if (problem := system_name_problem(system)) is not None:
        raise PrometheusError(f"--system: expected {SYSTEM_NAME_RULE}, got {problem}")
    queries = dict(DEFAULT_QUERIES if queries is None else queries)
    bucket_query = queries.pop(LATENCY_BUCKETS, DEFAULT_BUCKET_QUERY)
    window = Window.between(since, until, step)
    values = fetch(url, queries, window, max_points=max_points, progress=progress, timeout=timeout)
    frame = to_frame(values, step)
    buckets = pd.DataFrame(columns=["timestamp", "le_ms", "count"])
    if bucket_query:
        fetched = fetch_buckets(url, bucket_query, window, max_points=max_points, timeout=timeout)
        buckets = bucket_rows(fetched, sorted(values["requests"]), step)
    per_interval = buckets.groupby("timestamp").size()
    frame["latency_buckets"] = frame["timestamp"].map(per_interval).fillna(0).astype("int64")
    with session_scope(engine or get_engine()) as session:
        ids, created = ensure_systems(session, [system])
        rows = frame.assign(system_id=ids[system])[["system_id", *frame.columns]]
        key = ("system_id", "timestamp")
        written = write_rows(session, table_of(HealthSample), rows, key, progress=progress)
        if not buckets.empty:
            bucket_key = ("system_id", "timestamp", "le_ms")
            written_buckets = write_rows(
                session,
                table_of(HealthLatencyBucket),
                buckets.assign(system_id=ids[system])[["system_id", *buckets.columns]],
                bucket_key,
            )
            written = written or written_buckets
        if written:
            refresh_rollups(session, rows)  # as `tandem ingest health` does
            # The record bumps the data version pages cache on.
            session.add(
                IngestRecord(
                    kind="prometheus",
                    source=url,
                    content_hash=_fingerprint(queries, frame),
                    rows_read=len(frame),
                    rows_written=written,
                )
            )
    summary = PrometheusImportSummary(
        url=url,
        system=system,
        intervals=window.count,
        rows_read=len(frame),
        rows_written=written,
        empty_signals=tuple(k for k in OPTIONAL if not values.get(k)),
        systems_created=created,
    )
    logger.info(summary.describe())
    return summary


def _base_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise PrometheusError(f"--url: expected http://HOST:PORT, got {url!r}")
    return url.strip().rstrip("/")


def _fingerprint(queries: Mapping[str, str], frame: pd.DataFrame) -> str:
    digest = hashlib.sha256(json.dumps(dict(queries), sort_keys=True).encode())
    digest.update(frame.to_json(date_format="iso").encode())
    return digest.hexdigest()
