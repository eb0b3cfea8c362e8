"""The PromQL query of each health-sample column: the defaults, and a TOML mapping's overrides.

``{step}`` in a query becomes the step as a Prometheus duration (``60s``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.ingest.errors import PrometheusError

__all__ = ["DEFAULT_BUCKET_QUERY", "DEFAULT_QUERIES", "LATENCY_BUCKETS", "load_mapping"]

REQUIRED = ("requests", "errors")


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
