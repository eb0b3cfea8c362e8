"""Serialisation: CSV for small tables, Parquet for big ones, and the manifest.

Why a dedicated writer: byte-identical re-runs are part of the contract (the committed files are
diffed and tested), so every format decision lives here: fixed ISO 8601 timestamps with an
explicit ``+00:00`` offset, no index, ``\\n`` line endings, microsecond UTC timestamps and zstd
compression in Parquet, and columns starting with ``_`` (internal story tags) dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not str(c).startswith("_")]].copy()


def _datetime_columns(frame: pd.DataFrame) -> list[str]:
    columns = []
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            if str(dtype.tz) != "UTC":
                raise ValueError(f"{column}: timestamps must be UTC, got {dtype.tz}")
            columns.append(column)
    return columns


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV without index; timestamps as ``2026-11-01T00:00:00+00:00``, missing values empty."""
    out = _public(frame)
    for column in _datetime_columns(out):
        out[column] = out[column].dt.strftime(TIMESTAMP_FORMAT)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet (pyarrow, zstd) without index; timestamps as timestamp[us, tz=UTC]."""
    out = _public(frame)
    for column in _datetime_columns(out):
        out[column] = out[column].astype("datetime64[us, UTC]")
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(out, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def remove_previous(out_dir: Path) -> None:
    """Delete files listed by an earlier manifest so renamed outputs leave no stale files."""
    manifest = out_dir / "manifest.json"
    if not manifest.exists():
        return
    for entry in json.loads(manifest.read_text()).get("files", []):
        (out_dir / entry["path"]).unlink(missing_ok=True)
    manifest.unlink()


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
