"""``tandem import-prometheus``: golden signals from Prometheus' ``query_range`` API.

Each health-sample column has a PromQL query (:data:`DEFAULT_QUERIES`, or a
TOML mapping that overrides some of them); ``{step}`` in a query becomes the
step as a Prometheus duration (``60s``). A query evaluated at ``t`` describes
the interval ``[t - step, t)`` (``increase(x[60s])`` at 10:01 counts 10:00 to
10:01), so it is stored as the sample of that interval's start; gauges are
read at the interval's end. Intervals sit on a grid of whole steps since the
epoch, so overlapping imports land on the same timestamps and re-importing
adds nothing (same natural key and upsert as ``tandem ingest health``).

Its parts: ``prometheus_queries`` (the queries and the TOML mapping),
``prometheus_api`` (the HTTP client and the step grid) and
``prometheus_samples`` (the results as health samples).

Everything is fetched and checked before the one write transaction, so bad
input writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from app.ingest.errors import PrometheusError
from app.ingest.importers import refresh_rollups
from app.ingest.prometheus_api import MAX_POINTS, Window, fetch, fetch_buckets
from app.ingest.prometheus_queries import (
    DEFAULT_BUCKET_QUERY,
    DEFAULT_QUERIES,
    LATENCY_BUCKETS,
    OPTIONAL,
)
from app.ingest.prometheus_samples import bucket_rows, to_frame
from app.ingest.rows import write_rows
from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem
from app.store.db import get_engine, session_scope
from app.store.models import HealthLatencyBucket, HealthSample, IngestRecord
from app.store.rows import ensure_systems, table_of

__all__ = ["PrometheusImportSummary", "import_prometheus"]

logger = logging.getLogger(__name__)


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
