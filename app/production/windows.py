"""Production rows as windows: grouping, merging, hashing and where files go.

Pure functions over DataFrames; :mod:`app.production.writer` does the I/O.
A window's rows are kept in one canonical form (column order, dtypes, row
order) so that the same rows always hash to the same ``content_hash``, which
is what makes re-ingesting a file a no-op.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any, cast

import numpy as np
import pandas as pd

FIXED = ("timestamp", "model_version", "prediction", "label")
PREDICTION = "prediction"
SEGMENT_PREFIX = "segment."
SENSITIVE_PREFIX = "sensitive."  # a group for fairness (app.production.fairness), not a feature
SCORE_PREFIX = "score."  # a class's score for multiclass CBPE (app.production.tasks)
# As validation gives them (microseconds, UTC): the precision both databases keep.
_NONE: Any = None  # a missing text value (typed Any: the stubs' ``where`` refuses None)
TIMESTAMP_DTYPE = pd.api.types.pandas_dtype("datetime64[us, UTC]")


@dataclass(frozen=True)
class WindowRows:
    """The rows of one window as the file brings them, before any merge."""

    model_version: int
    is_reference: bool
    start: pd.Timestamp
    rows: pd.DataFrame


def production_rows(
    frame: pd.DataFrame,
    segments: Sequence[str],
    features: Sequence[str],
    sensitive: Sequence[str] = (),
    scores: Sequence[str] = (),
) -> pd.DataFrame:
    """A validated file's rows in canonical column order; ``prediction_id`` only if given.

    ``segments`` are the file's ``segment.*`` columns, ``features`` its feature
    columns, ``sensitive`` its ``sensitive.*`` columns, ``scores`` its
    ``score.*`` columns, each in file order.
    """
    columns = list(FIXED)
    if frame["prediction_id"].notna().any():
        columns.append("prediction_id")
    columns += list(segments) + list(sensitive) + list(scores) + list(features)
    # Not frame[columns]: that copies every column (0.1-0.2 CPU s at 1 M rows); canonical
    # builds its own frame from these columns.
    return canonical(pd.DataFrame({name: frame[name] for name in columns}, copy=False))


def split(frame: pd.DataFrame, *, reference: bool) -> Iterator[WindowRows]:
    """One group per (model_version, UTC day), or per model_version for a reference."""
    if reference:
        for version, rows in frame.groupby("model_version", sort=True):
            yield WindowRows(int(cast(int, version)), True, rows["timestamp"].min(), rows)
        return
    day = frame["timestamp"].dt.floor("D")
    for keys, rows in frame.groupby([frame["model_version"], day], sort=True):
        version, start = cast(tuple[int, pd.Timestamp], keys)
        yield WindowRows(int(version), False, pd.Timestamp(start), rows)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed dtypes and row order: by timestamp, then prediction_id."""
    # copy=False throughout: a column already of its canonical dtype is not copied, and the
    # frame is not consolidated into 2-D blocks (each a copy of every column: seconds at 1 M).
    columns: dict[str, pd.Series] = {
        "timestamp": frame["timestamp"].astype(TIMESTAMP_DTYPE, copy=False),
        "model_version": frame["model_version"].astype("int64", copy=False),
        "prediction": frame["prediction"].astype(float, copy=False),
        "label": frame["label"].astype(float, copy=False),
    }
    for name in frame.columns[len(FIXED) :]:
        values = frame[name]
        if name != "prediction_id" and pd.api.types.is_numeric_dtype(values):
            columns[name] = values.astype(float, copy=False)
            continue
        text = values.astype(object, copy=False)
        if pd.api.types.infer_dtype(text, skipna=False) == "string":
            columns[name] = text  # every value a str: none missing (isna scans 4x slower)
            continue
        if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
            text = text.map(lambda v: v if isinstance(v, str) else str(v))
        missing = values.isna()
        columns[name] = text.where(~missing, _NONE) if missing.any() else text
    return _sorted(pd.DataFrame(columns, copy=False))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by timestamp; ties by prediction_id, else kept in their order (stable).

    ``frame`` is :func:`canonical`'s own: its index is replaced in place
    (``reset_index`` would copy every column once more).
    """
    timestamps = frame["timestamp"]
    if timestamps.is_monotonic_increasing and timestamps.is_unique:
        ordered = frame  # the common case: sorting is the costly part
    elif timestamps.isna().any() or "prediction_id" not in frame.columns:
        order = ["timestamp"] + (["prediction_id"] if "prediction_id" in frame.columns else [])
        ordered = frame.sort_values(order, kind="stable", na_position="last")
    else:
        ordered = frame.take(_timestamp_then_id_order(frame))
    ordered.index = pd.RangeIndex(len(ordered))
    return ordered


def _timestamp_then_id_order(frame: pd.DataFrame) -> np.ndarray:
    """``sort_values(["timestamp", "prediction_id"], kind="stable", na_position="last")``'s order.

    Sorting by the id string is the costly part (pandas factorizes every
    id), so ids are compared only among rows that share a timestamp: a
    stable integer sort, then each run of equal timestamps ordered by id
    (missing ids last, otherwise kept in their order).
    """
    stamps = frame["timestamp"].to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.argsort(stamps, kind="stable")
    ordered = stamps[order]
    equal = ordered[1:] == ordered[:-1]
    if not equal.any():
        return order
    tied = np.zeros(ordered.size, dtype=bool)
    tied[1:] |= equal
    tied[:-1] |= equal
    positions = np.flatnonzero(tied)
    ids = frame["prediction_id"].to_numpy(dtype=object)[order[positions]]
    keys = [
        (int(stamp), value is None, value if value is not None else "")
        for stamp, value in zip(ordered[positions].tolist(), ids.tolist(), strict=True)
    ]
    within = sorted(range(len(keys)), key=keys.__getitem__)
    order[positions] = order[positions][within]
    return order


def merge(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """The window's rows after adding ``new`` (canonical) to the stored ``old`` ones.

    Rows sharing a ``prediction_id`` become one: the newer row's values win
    where it has them, the older fill the gaps (labels arriving later land on
    their prediction). Rows without an id are de-duplicated on every column.
    """
    if old is None:  # the rows as they are, numbered from 0 (reset_index would copy them)
        rows = new.copy(deep=False)
        rows.index = pd.RangeIndex(len(rows))
        return rows
    columns = list(old.columns) + [c for c in new.columns if c not in old.columns]
    both = pd.concat(
        [old.reindex(columns=columns), new.reindex(columns=columns)], ignore_index=True
    )
    if "prediction_id" not in columns:
        return canonical(both.drop_duplicates(keep="last"))
    has_id = both["prediction_id"].notna()
    with_id = both[has_id].groupby("prediction_id", sort=False).last().reset_index()
    without = both[~has_id].drop_duplicates(keep="last")
    return canonical(pd.concat([with_id[columns], without], ignore_index=True))


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 over the column names, dtypes and every row's hash."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[c, str(frame[c].dtype)] for c in frame.columns]).encode())
    digest.update(row_hashes(frame).tobytes())
    return digest.hexdigest()


def adds_nothing(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """Every new row is already stored as it is (a re-ingest): no merge needed."""
    if not set(new.columns) <= set(old.columns):
        return False
    if set(new.columns) == set(old.columns):  # ``new`` is canonical already: only reorder
        aligned = new[list(old.columns)]
    else:
        aligned = canonical(new.reindex(columns=old.columns))
    return bool(np.isin(row_hashes(aligned), row_hashes(old)).all())


def new_or_changed(merged: pd.DataFrame, old: pd.DataFrame | None) -> int:
    """How many of the merged rows are not identical to a stored row."""
    if old is None:
        return len(merged)
    aligned = canonical(old.reindex(columns=merged.columns))
    return int((~np.isin(row_hashes(merged), row_hashes(aligned))).sum())


def bounds(
    rows: pd.DataFrame, start: pd.Timestamp, is_reference: bool
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[window_start, window_end): a UTC day, or a reference's rows (end + 1 µs)."""
    if is_reference:
        return rows["timestamp"].min(), rows["timestamp"].max() + timedelta(microseconds=1)
    return start, start + timedelta(days=1)


def system_folder(system_id: int) -> PurePosixPath:
    """``production/system_id=<id>``: one folder per system, by construction.

    Keyed by the system's id, never by its name: names that read alike
    (``a/b`` and ``a_b``) must not share files. ``=`` keeps these folders apart
    from the older layout's, named after the system with characters outside
    ``[A-Za-z0-9._-]`` replaced, which still holds the files older windows
    point at (a window's path is read from the database, never rebuilt).
    """
    return PurePosixPath("production", f"system_id={system_id}")


def relative_path(system_id: int, window: WindowRows, digest: str) -> PurePosixPath:
    """``production/system_id=<id>/v<version>/<day>-<hash12>.parquet`` (or ``reference-…``)."""
    name = "reference" if window.is_reference else f"{window.start:%Y-%m-%d}"
    return system_folder(system_id) / f"v{window.model_version}" / f"{name}-{digest[:12]}.parquet"


def segment_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(SEGMENT_PREFIX)]


def feature_columns(frame: pd.DataFrame) -> list[str]:
    fixed: Sequence[str] = (*FIXED, "prediction_id")
    prefixes = (SEGMENT_PREFIX, SENSITIVE_PREFIX, SCORE_PREFIX)
    return [c for c in frame.columns if c not in fixed and not c.startswith(prefixes)]
