"""A day the Spark engine stored from a lake location is that location's: a local file is refused.

A lake window (``tandem ingest production --engine spark``) is its files'
rows, re-read when they change; the Spark engine refuses a day already stored
from a local file, and the local engine refuses, in turn, a file row whose
model version and UTC day a lake window holds, naming the row and the
location (its rows go to the lake, and in with ``--engine spark``).
References replace the version's stored one whatever its origin.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.source import Source
from app.ingest.validation import Validated
from app.production.lake_files import is_lake_path
from app.store.models import ProductionWindow
from app.store.rows import table_of


def refuse_lake_days(
    session: Session, system_id: int, validated: Validated, source: Source
) -> None:
    """Raise the ``IngestError`` of the first row whose (version, UTC day) is a lake window's."""
    table = table_of(ProductionWindow)
    query = select(table.c.model_version, table.c.window_start, table.c.path).where(
        table.c.system_id == system_id,
        table.c.is_reference.is_(False),
        table.c.source_files.is_not(None),
    )
    lake = [r for r in session.execute(query) if is_lake_path(str(r.path))]
    if not lake:
        return
    frame = validated.frame
    days = frame["timestamp"].dt.floor("D").dt.tz_convert(None).to_numpy("datetime64[us]")
    versions = frame["model_version"].to_numpy()
    first: tuple[int, str] | None = None
    for window in lake:
        start = window.window_start.replace(tzinfo=None)
        hits = np.flatnonzero(
            (versions == window.model_version) & (days == np.datetime64(start, "us"))
        )
        if len(hits) and (first is None or hits[0] < first[0]):
            where = f"{start:%Y-%m-%d} of model version {window.model_version}"
            first = (int(hits[0]), f"{where}, stored from the lake location {window.path}")
    if first is not None:
        raise source.error(
            row=first[0],
            column="timestamp",
            expected="a day not stored from a lake location (add its rows there and "
            "ingest the location with --engine spark)",
            got=first[1],
        )
