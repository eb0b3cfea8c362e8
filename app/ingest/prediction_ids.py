"""``prediction_id`` is unique per system: a row re-sent later must land where it was.

Rows that share a ``prediction_id`` within one window are merged (the newer
values win, so labels arriving later fill in). A prediction was made once, by
one model version, on one day; a file row whose id is stored in *another*
window of the system (another day or version) contradicts it, and merging
there would count the prediction twice. Such a file is bad input: it is
refused, naming the row, and nothing is written. A window's ids are read where
its rows are: its file in the data dir, or, for a window the Spark engine
stored, its lake files (:func:`app.production.lake_files.lake_window_ids`).
References are training data, outside this rule: their ids are their own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.errors import quote
from app.ingest.source import Source
from app.ingest.validation import Validated
from app.production.lake_files import lake_window_ids, lake_windows
from app.store.models import ProductionWindow
from app.store.rows import table_of

_COLUMN = "prediction_id"


def refuse_ids_stored_elsewhere(
    session: Session, system_id: int, validated: Validated, source: Source, data_dir: Path
) -> None:
    """Raise the ``IngestError`` of the first row whose id is stored in another window.

    Runs under the system's write lock, so windows committed by an ingest
    that ran just before count. Each window's ids are read only when the
    file's Parquet statistics (min/max id) overlap the new ids' range.
    """
    frame = validated.frame
    if _COLUMN not in frame.columns or not frame[_COLUMN].notna().any():
        return
    table = table_of(ProductionWindow)
    lake = lake_windows(session, system_id)  # their ids are in the lake's files
    windows = session.execute(
        select(table.c.id, table.c.model_version, table.c.window_start, table.c.path).where(
            table.c.system_id == system_id, table.c.is_reference.is_(False)
        )
    ).all()
    if not windows:
        return
    given = frame[_COLUMN].notna().to_numpy()
    rows = np.flatnonzero(given)  # 0-based file rows with an id
    ids = pd.Index(frame[_COLUMN].to_numpy(dtype=object)[given])
    low, high = min(ids), max(ids)
    days = frame["timestamp"].dt.floor("D").dt.tz_convert(None).to_numpy("datetime64[us]")[given]
    versions = frame["model_version"].to_numpy()[given]
    lookup = pa.array(ids.to_numpy(), type=pa.string())
    first: tuple[int, str] | None = None  # (row, where it is stored)
    for window in windows:
        if window.id in lake:
            stored = pa.array(lake_window_ids(lake[window.id]).to_numpy(), type=pa.string())
        else:
            stored = _stored_ids(data_dir / window.path, low, high)
        if stored is None:
            continue
        # Arrow compares the strings without making Python objects of them.
        shared = stored.filter(pc.is_in(stored, value_set=lookup))
        if not len(shared):
            continue
        found = ids.get_indexer(shared.to_numpy(zero_copy_only=False))
        start = pd.Timestamp(window.window_start).tz_convert(None)
        day = start.to_datetime64().astype("datetime64[us]")
        elsewhere = found[(versions[found] != window.model_version) | (days[found] != day)]
        if len(elsewhere):
            row = int(rows[elsewhere.min()])
            if first is None or row < first[0]:
                where = f"model version {window.model_version}, {start:%Y-%m-%d}"
                first = (row, where)
    if first is not None:
        row, where = first
        raise source.error(
            row=row,
            column=_COLUMN,
            expected="a prediction_id unique per system (a re-sent row keeps its "
            "model version and UTC day)",
            got=f"{quote(frame[_COLUMN].iloc[row])}, stored already in the window of {where}",
        )


def _stored_ids(path: Path, low: str, high: str) -> pa.Array | None:
    """The window file's ids, or None when it has none or none can lie in [low, high]."""
    if not path.exists():
        return None
    handle = pq.ParquetFile(path)
    names = handle.schema_arrow.names
    if _COLUMN not in names:
        return None
    index = names.index(_COLUMN)
    metadata = handle.metadata
    overlaps = False
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            overlaps = True
            break
        if not (stats.max < low or stats.min > high):
            overlaps = True
            break
    if not overlaps:
        return None
    values = handle.read(columns=[_COLUMN]).column(0).combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values.drop_null().cast(pa.string())
