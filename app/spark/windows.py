"""Cutting a lake location's rows into windows on Spark: keys, counts and file identities.

Windows are the local pipeline's (:func:`app.production.windows.split`): one
per (model version, UTC day), or one per model version for a reference. A
lake window's rows stay in their files; what identifies its content is the
location, the window's key, its columns and the identities (path, size,
modification time) of the files holding its rows, hashed into
``content_hash``: re-ingesting unchanged files gives the same hash and adds
nothing. Only aggregates are collected (one row per window, one per window
and file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from app.spark.lake import IDENTITY, LakeRows

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FileIdentity = tuple[str, int, int]  # path, size in bytes, modification time (ms since epoch)


@dataclass(frozen=True)
class LakeWindow:
    """One window of a lake location, as ``production_windows`` stores it."""

    model_version: int
    is_reference: bool
    day: int | None  # UTC days since the epoch; None for a reference
    start: datetime
    end: datetime
    newest_row_at: datetime
    rows: int
    labelled_rows: int
    files: tuple[FileIdentity, ...]
    content_hash: str

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.model_version, self.day)


def key_columns(reference: bool) -> list[str]:
    return ["model_version"] if reference else ["model_version", "_day"]


def window_key(reference: bool) -> Column:
    """One column naming a row's window: the version, or the version and the UTC day."""
    if reference:
        return F.col("model_version").cast("string")
    return F.concat_ws("/", F.col("model_version").cast("string"), F.col("_day").cast("string"))


def key_text(model_version: int, day: int | None) -> str:
    """:func:`window_key`'s value for a window."""
    return str(model_version) if day is None else f"{model_version}/{day}"


def cut_windows(lake: LakeRows, *, reference: bool) -> list[LakeWindow]:
    """The location's windows, oldest version and day first."""
    keys = key_columns(reference)
    frame = lake.frame
    summary = (
        frame.groupBy(*keys)
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count("label").alias("labelled"),
            F.min(F.unix_micros("timestamp")).alias("first"),
            F.max(F.unix_micros("timestamp")).alias("last"),
        )
        .collect()
    )
    files: dict[tuple[int, int | None], list[FileIdentity]] = {}
    for row in frame.groupBy(*keys, *IDENTITY).count().collect():
        day = None if reference else int(row["_day"])
        identity = (str(row["_file"]), int(row["_size"]), int(row["_mtime"]))
        files.setdefault((int(row["model_version"]), day), []).append(identity)
    columns = [*lake.segments, *lake.features] + (["prediction_id"] if lake.has_ids else [])
    windows = []
    for row in summary:
        version = int(row["model_version"])
        day = None if reference else int(row["_day"])
        first, last = _utc(row["first"]), _utc(row["last"])
        if reference:
            start, end = first, last + timedelta(microseconds=1)
        else:
            start = EPOCH + timedelta(days=day or 0)
            end = start + timedelta(days=1)
        identities = tuple(sorted(files[(version, day)]))
        digest = _digest(lake.location, version, reference, day, columns, identities)
        windows.append(
            LakeWindow(
                version,
                reference,
                day,
                start,
                end,
                last,
                int(row["rows"]),
                int(row["labelled"]),
                identities,
                digest,
            )
        )
    return sorted(windows, key=lambda w: (w.model_version, w.start))


def _utc(micros: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime (never the driver's zone)."""
    return EPOCH + timedelta(microseconds=int(micros))


def _digest(
    location: str,
    version: int,
    reference: bool,
    day: int | None,
    columns: Sequence[str],
    files: Sequence[FileIdentity],
) -> str:
    payload = [location, version, reference, day, list(columns), [list(f) for f in files]]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def rows_of(frame: DataFrame, windows: Sequence[LakeWindow], *, reference: bool) -> DataFrame:
    """The rows of ``windows`` only, each with its ``_window`` key text."""
    wanted = [key_text(w.model_version, w.day) for w in windows]
    keyed = frame.withColumn("_window", window_key(reference))
    return keyed.where(F.col("_window").isin(wanted))
