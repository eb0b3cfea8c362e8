"""Load the committed sample data, shifted so that it ends at the moment of seeding.

The sample data is fixed in time (``manifest.json`` says when it ends); shifting
it makes "the last 30 days" and data freshness read naturally on the day a user
first runs Tandem. The shift is rounded down to 5 minutes so health samples keep
round timestamps, and recorded, so a second seed reuses it and adds nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from app.config import load_settings
from app.store.db import get_engine, session_scope
from app.store.models import SeedRecord, System
from app.store.types import utc_now

logger = logging.getLogger(__name__)

SHIFT_GRANULARITY = timedelta(minutes=5)


@dataclass(frozen=True)
class SeedResult:
    """What a seed did, for the terminal."""

    source: Path
    files_loaded: int
    rows_written: int
    shift: timedelta
    skipped_reason: str = ""

    def describe(self) -> str:
        if self.skipped_reason:
            return self.skipped_reason
        return (
            f"Seeded {self.files_loaded} files from {self.source} "
            f"({self.rows_written} rows written; timestamps shifted by {self.shift})."
        )


def database_is_empty(engine: Engine | None = None) -> bool:
    with session_scope(engine or get_engine()) as session:
        return not session.scalar(select(func.count()).select_from(System))


def shift_to_now(data_ends_at: datetime, now: datetime) -> timedelta:
    """The whole-5-minute shift that moves ``data_ends_at`` to at most ``now``."""
    raw = now - data_ends_at
    return (raw // SHIFT_GRANULARITY) * SHIFT_GRANULARITY


def read_manifest(source: Path) -> dict[str, object]:
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{manifest_path}: no sample data manifest")
    manifest: dict[str, object] = json.loads(manifest_path.read_text(encoding="utf-8"))
    return manifest


def seed_database(
    source: Path | None = None,
    *,
    force: bool = False,
    progress: bool = False,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> SeedResult:
    """Ingest every file the manifest lists, in its order, with one shared shift.

    Without ``force`` a database that already holds data is left alone; with
    it the sample data is (re)loaded, reusing an earlier seed's shift.
    """
    from app.ingest import ingest_file

    engine = engine or get_engine()
    source = (source or load_settings().sample_data_dir).resolve()
    manifest = read_manifest(source)
    data_ends_at = datetime.fromisoformat(str(manifest["ends_at"]))
    with session_scope(engine) as session:
        earlier = session.scalars(select(SeedRecord).order_by(SeedRecord.id.desc())).first()
        has_data = bool(session.scalar(select(func.count()).select_from(System)))
    if has_data and not force:
        reason = (
            "The database was seeded already; nothing to do."
            if earlier
            else "The database holds data already; use `tandem seed --force` to add the samples."
        )
        return SeedResult(source, 0, 0, timedelta(0), skipped_reason=reason)
    if earlier is not None:
        shift = timedelta(seconds=earlier.shift_seconds)
    else:
        shift = shift_to_now(data_ends_at, now or utc_now())

    files = manifest["files"]
    assert isinstance(files, list)
    written = 0
    for entry in files:
        logger.info("seeding %s", entry["path"])
        summary = ingest_file(
            entry["kind"],
            source / entry["path"],
            system=entry.get("system"),
            reference=bool(entry.get("reference", False)),
            engine=engine,
            shift=shift,
            progress=progress,
        )
        written += summary.rows_written
    with session_scope(engine) as session:
        session.add(
            SeedRecord(
                source=str(source),
                data_ends_at=data_ends_at + shift,
                shift_seconds=int(shift.total_seconds()),
            )
        )
    return SeedResult(source, len(files), written, shift)
