"""A lake window's rows, read by the local engine where they live.

A window the Spark engine stored (``tandem ingest production --engine
spark``) has no Parquet file in the data dir: its ``path`` is the location's
URL (``file://``, ``s3a://``, ...) and ``source_files`` lists the files that
hold its rows. A later local ingest into the same system still needs some of
those rows (the reference its windows are tested against, a version's
windows rescored after a new reference), so :func:`window_reader` gives every
caller one way to read a window: a frame already in memory, the window's own
file, or the lake files, filtered to the window's version (and UTC day) and
put in the local pipeline's canonical form
(:func:`app.production.windows.production_rows`), as a local ingest of the
same files would store them.

Local files and ``file://`` URLs are read directly; other URLs through
PyArrow's filesystems (``s3a://`` as ``s3://``), when it has one for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from app.production.tasks import SCORE_PREFIX
from app.production.windows import FIXED, SEGMENT_PREFIX, SENSITIVE_PREFIX, production_rows
from app.store.models import ProductionWindow
from app.store.rows import table_of

Reader = Callable[[int, str], pd.DataFrame]


def is_lake_path(path: str) -> bool:
    """Whether a window's ``path`` is a lake location's URL, not a file in the data dir."""
    return "://" in path


@dataclass(frozen=True)
class LakeWindowFiles:
    """Where a lake window's rows are: its files, and which of their rows are its own."""

    model_version: int
    is_reference: bool
    start: datetime
    files: tuple[str, ...]


def lake_windows(session: Session, system_id: int) -> dict[int, LakeWindowFiles]:
    """The system's lake windows by id (one query)."""
    table = table_of(ProductionWindow)
    query = _lake_rows().where(table.c.system_id == system_id)
    return {int(r.id): files for r in session.execute(query) if (files := _files(r)) is not None}


def lake_window(session: Session, window_id: int) -> LakeWindowFiles | None:
    """The window's lake files; None when its rows are a file in the data dir."""
    table = table_of(ProductionWindow)
    row = session.execute(_lake_rows().where(table.c.id == window_id)).one_or_none()
    return None if row is None else _files(row)


def _lake_rows() -> Select[Any]:
    table = table_of(ProductionWindow)
    return select(
        table.c.id,
        table.c.model_version,
        table.c.is_reference,
        table.c.window_start,
        table.c.path,
        table.c.source_files,
    ).where(table.c.source_files.is_not(None))


def _files(row: Row[Any]) -> LakeWindowFiles | None:
    if not is_lake_path(str(row.path)):
        return None
    files = tuple(str(f[0]) for f in row.source_files)
    return LakeWindowFiles(int(row.model_version), bool(row.is_reference), row.window_start, files)


def window_reader(
    session: Session,
    system_id: int,
    data_dir: Path,
    frames: Mapping[int, pd.DataFrame] | None = None,
) -> Reader:
    """``read(window_id, path)``: the window's rows from ``frames``, its file or its lake.

    The lake windows are looked up now, so the reader uses no session (it may
    run in worker threads).
    """
    lake = lake_windows(session, system_id)
    given = dict(frames or {})

    def read(window_id: int, path: str) -> pd.DataFrame:
        frame = given.get(window_id)
        if frame is not None:
            return frame
        if window_id in lake:
            return read_lake_window(lake[window_id])
        return pd.read_parquet(data_dir / path)

    return read


def read_lake_window(window: LakeWindowFiles) -> pd.DataFrame:
    """The window's rows from its files, canonical (see the module docstring)."""
    tables = [_read_file(f) for f in window.files]
    table = pa.concat_tables(tables, promote_options="permissive")
    return _canonical(_own_rows(window, table.to_pandas()))


def sample_lake_window(
    window: LakeWindowFiles, rows: int, seed: int = 0
) -> tuple[pd.DataFrame, int]:
    """A uniform sample of at most ``rows`` of the window's rows, and how many it has.

    For the one view that needs rows (Evidently's HTML report): the files are
    read a batch at a time and every row of the window gets a seeded random
    key; the ``rows`` smallest keys are kept (bottom-k sampling, uniform
    without replacement), so memory stays at ``rows`` plus one batch however
    large the lake's day is. Below ``rows`` it is every row, in file order
    (as :func:`read_lake_window` gives them).
    """
    rng = np.random.default_rng(seed)
    kept: pd.DataFrame | None = None
    total = 0
    for url in window.files:
        for batch in _batches(url):
            own = _own_rows(window, batch.to_pandas())
            if own.empty:
                continue
            total += len(own)
            own["__key"] = rng.random(len(own))
            merged = own if kept is None else pd.concat([kept, own], ignore_index=True)
            kept = merged.nsmallest(rows, "__key", keep="first") if len(merged) > rows else merged
    if kept is None:  # files without a batch: no row at all
        return pd.DataFrame(), 0
    return _canonical(kept.drop(columns="__key").reset_index(drop=True)), total


def _own_rows(window: LakeWindowFiles, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` that are the window's: its version (and UTC day), in UTC."""
    if isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype):
        stamps = frame["timestamp"].dt.tz_convert("UTC")
    else:  # a zone-less timestamp is UTC, as the Spark engine reads it
        stamps = pd.to_datetime(frame["timestamp"]).dt.tz_localize("UTC")
    frame["timestamp"] = stamps
    keep = frame["model_version"] == window.model_version
    if not window.is_reference:
        start = pd.Timestamp(window.start)
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        keep &= (stamps >= start) & (stamps < start + timedelta(days=1))
    return frame[keep.to_numpy()].reset_index(drop=True)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """The window's rows in the local pipeline's canonical form (``production_rows``)."""
    if "label" not in frame.columns:
        frame["label"] = float("nan")
    if "prediction_id" not in frame.columns:
        frame["prediction_id"] = None
    names = list(frame.columns)
    segments = [c for c in names if c.startswith(SEGMENT_PREFIX)]
    sensitive = [c for c in names if c.startswith(SENSITIVE_PREFIX)]
    scores = [c for c in names if c.startswith(SCORE_PREFIX)]
    fixed = (*FIXED, "prediction_id", "system")
    prefixes = (SEGMENT_PREFIX, SENSITIVE_PREFIX, SCORE_PREFIX)
    features = [c for c in names if c not in fixed and not c.startswith(prefixes)]
    return production_rows(frame, segments, features, sensitive, scores)


def lake_window_ids(window: LakeWindowFiles) -> pd.Series:
    """The window's ``prediction_id`` values (text, no nulls), reading only the id, version
    and timestamp columns of its files (for the per-system uniqueness check)."""
    wanted = ["prediction_id", "model_version", "timestamp"]
    parts = []
    for url in window.files:
        try:
            parquet = _parquet_file(url)
        except FileNotFoundError:  # deleted by the lake's retention: its ids went with it
            continue
        if "prediction_id" in parquet.schema_arrow.names:
            parts.append(parquet.read(columns=wanted).to_pandas())
    if not parts:
        return pd.Series([], dtype=object)
    own = _own_rows(window, pd.concat(parts, ignore_index=True))
    return own["prediction_id"].dropna().astype(str)


def _parquet_file(url: str) -> pq.ParquetFile:
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return pq.ParquetFile(unquote(parsed.path) if parsed.scheme else url)
    scheme = "s3" if parsed.scheme in ("s3a", "s3n") else parsed.scheme
    filesystem, path = pafs.FileSystem.from_uri(f"{scheme}://{parsed.netloc}{parsed.path}")
    return pq.ParquetFile(filesystem.open_input_file(path))


def _batches(url: str) -> Iterator[pa.RecordBatch]:
    yield from _parquet_file(url).iter_batches(batch_size=65_536)


def _read_file(url: str) -> pa.Table:
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return pq.read_table(unquote(parsed.path) if parsed.scheme else url)
    scheme = "s3" if parsed.scheme in ("s3a", "s3n") else parsed.scheme
    filesystem, path = pafs.FileSystem.from_uri(f"{scheme}://{parsed.netloc}{parsed.path}")
    return pq.read_table(path, filesystem=filesystem)
