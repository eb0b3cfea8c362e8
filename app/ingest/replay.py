"""An unchanged production re-ingest is recognised before any row is read.

Ingesting a production file is idempotent: merging a file's rows into the
windows it already made leaves them as they are (the newer values win, and
they are the file's own), so a second ingest of the same file into the same
windows adds nothing and measures nothing again. Each production ingest
therefore records a *state hash* (``ingest_records.state_hash``): sha256
over the file's content hash, the options that change what is stored
(system, ``--reference``, ``--shift``) and the system's windows right after
it (each window's id, content hash and path). An ingest whose file,
options and the system's current windows give a hash already recorded is
skipped: no validation, no row hashes, no measures; it is still recorded
(0 rows written). Any window written since, by any file or the Spark
engine, changes the hash, and the file is then ingested in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.db import lock_systems
from app.store.models import IngestRecord, ProductionWindow, System
from app.store.rows import table_of


@dataclass(frozen=True)
class Replay:
    """A recorded production ingest that this one repeats exactly."""

    rows_read: int
    state_hash: str
    system_id: int


def state_hash(
    session: Session,
    system_id: int,
    file_digest: str,
    reference: bool,
    shift: timedelta,
) -> str | None:
    """The hash of this ingest's file and options with the system's windows as they are now."""
    table = table_of(ProductionWindow)
    windows = session.execute(
        select(table.c.id, table.c.content_hash, table.c.path)
        .where(table.c.system_id == system_id)
        .order_by(table.c.id)
    ).all()
    state = {
        "file": file_digest,
        "system_id": system_id,
        "reference": reference,
        "shift_us": shift // timedelta(microseconds=1),
        "windows": [[w.id, w.content_hash, w.path] for w in windows],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def unchanged_ingest(
    session: Session,
    system: str,
    file_digest: str,
    reference: bool,
    shift: timedelta,
) -> Replay | None:
    """The recorded production ingest this one would repeat exactly, or None.

    A match means the file's rows are stored as this ingest would store them.
    Takes the system's write lock (to the end of the session's transaction),
    so no other ingest changes its windows between this look and the record.
    """
    systems = table_of(System)
    system_id = session.execute(
        select(systems.c.id).where(systems.c.name == system)
    ).scalar_one_or_none()
    if system_id is None:
        return None
    lock_systems(session, [system_id])
    digest = state_hash(session, system_id, file_digest, reference, shift)
    if digest is None:
        return None
    records = table_of(IngestRecord)
    rows_read = session.execute(
        select(records.c.rows_read)
        .where(records.c.kind == "production", records.c.state_hash == digest)
        .order_by(records.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if rows_read is None else Replay(int(rows_read), digest, system_id)
