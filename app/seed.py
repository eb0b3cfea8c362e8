"""Load the committed sample data, shifted by whole days so that it ends at the start of today.

The sample data is fixed in time (``manifest.json`` says when it ends, at 00:00 UTC);
shifting it makes "the last 30 days" and data freshness read naturally on the day a
user first runs Tandem. The shift is a whole number of days, so the UTC-day windows
that production data is judged in cut the data at the same places whatever the hour
of seeding: the planted story is the same at 00:05 as at 23:55.

A seed is resumable. Its shift is recorded before the first file is loaded, and each
file's ingest is logged (``ingest_records``, same transaction as its rows), so a seed
that stopped half-way (a bad file, a full disk, a kill) is finished by the next
``tandem seed`` with the same shift; files already loaded are not read again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.config import load_settings
from app.store.db import get_engine, session_scope
from app.store.models import IngestRecord, SeedRecord, System
from app.store.types import utc_now

logger = logging.getLogger(__name__)

SHIFT_GRANULARITY = timedelta(days=1)


@dataclass(frozen=True)
class SeedResult:
    """What a seed did, for the terminal."""

    source: Path
    files_loaded: int
    rows_written: int
    shift: timedelta
    skipped_reason: str = ""
    resumed: bool = False

    def describe(self) -> str:
        if self.skipped_reason:
            return self.skipped_reason
        verb = "Finished an unfinished seed:" if self.resumed else "Seeded"
        return (
            f"{verb} {self.files_loaded} files from {self.source} "
            f"({self.rows_written} rows written; timestamps shifted by {self.shift})."
        )


class SeedInterrupted(Exception):
    """A sample file failed to load; the files before it are stored, the rest are not.

    ``cause`` is the error the ingest raised (an ``IngestError`` for a bad file).
    Running the seed again, once the cause is fixed, loads the rest with the same shift.
    """

    def __init__(self, path: Path, loaded: int, remaining: int, cause: BaseException) -> None:
        self.path, self.loaded, self.remaining, self.cause = path, loaded, remaining, cause
        self.advice = (
            f"the seed stopped at {path.name} with {remaining} sample file(s) "
            "not loaded yet; fix the cause and run `tandem seed` again to load them "
            "(files already loaded are kept and not loaded twice)."
        )
        super().__init__(f"{cause} -- {self.advice}")


def database_is_empty(engine: Engine | None = None) -> bool:
    with session_scope(engine or get_engine()) as session:
        return not session.scalar(select(func.count()).select_from(System))


def needs_seed(engine: Engine | None = None, source: Path | None = None) -> bool:
    """True for an empty database and for one whose seed stopped half-way."""
    engine = engine or get_engine()
    if database_is_empty(engine):
        return True
    source = (source or load_settings().sample_data_dir).resolve()
    with session_scope(engine) as session:
        if not session.scalar(select(func.count()).select_from(SeedRecord)):
            return False
        try:
            return bool(_pending(session, source, _entries(read_manifest(source))))
        except FileNotFoundError:  # no sample data here (an installed Tandem): nothing to finish
            logger.warning("no sample data at %s to finish the seed with", source)
            return False


def shift_to_now(data_ends_at: datetime, now: datetime) -> timedelta:
    """The whole-day shift that moves ``data_ends_at`` to at most ``now``.

    The sample data ends at 00:00 UTC, so shifted it ends at the start of ``now``'s
    UTC day: never in the future, at most 24 hours before ``now``.
    """
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

    The schema must be current (``SchemaOutOfDateError`` otherwise, as every command
    but ``serve`` and ``db upgrade`` does). A database that holds data but no seed is
    left alone unless ``force``; a finished seed is left alone unless ``force``, which
    loads every file again with the recorded shift (adding nothing). An unfinished
    seed is finished. ``now`` is the seed's clock (default: the current time); only
    its UTC date matters. Raises :class:`SeedInterrupted` when a file fails.
    """
    from app.ingest import ingest_file
    from app.store.migrate import ensure_current

    engine = engine or get_engine()
    ensure_current(engine)
    source = (source or load_settings().sample_data_dir).resolve()
    manifest = read_manifest(source)
    data_ends_at = datetime.fromisoformat(str(manifest["ends_at"]))
    entries = _entries(manifest)
    with session_scope(engine) as session:
        earlier = session.scalars(select(SeedRecord).order_by(SeedRecord.id)).first()
        has_data = bool(session.scalar(select(func.count()).select_from(System)))
        pending = _pending(session, source, entries)
    if earlier is None and has_data and not force:
        reason = "The database holds data already; use `tandem seed --force` to add the samples."
        return SeedResult(source, 0, 0, timedelta(0), skipped_reason=reason)
    if earlier is not None and not pending and not force:
        reason = "The database was seeded already; nothing to do."
        return SeedResult(source, 0, 0, timedelta(0), skipped_reason=reason)
    resumed = earlier is not None and bool(pending) and not force
    if earlier is not None:
        shift = timedelta(seconds=earlier.shift_seconds)
    else:
        shift = shift_to_now(data_ends_at, now or utc_now())
        with session_scope(engine) as session:  # committed first: a resumed seed reuses it
            session.add(
                SeedRecord(
                    source=str(source),
                    data_ends_at=data_ends_at + shift,
                    shift_seconds=int(shift.total_seconds()),
                )
            )

    to_load = entries if force else pending
    written = 0
    for done, entry in enumerate(to_load):
        path = source / str(entry["path"])
        logger.info("seeding %s", entry["path"])
        try:
            if entry["kind"] == "budgets":
                written += _seed_budgets(engine, path)
                continue
            summary = ingest_file(
                str(entry["kind"]),
                path,
                system=_optional_str(entry.get("system")),
                reference=bool(entry.get("reference", False)),
                engine=engine,
                shift=shift,
                progress=progress,
            )
        except Exception as error:
            raise SeedInterrupted(path, done, len(to_load) - done, error) from error
        written += summary.rows_written
    return SeedResult(source, len(to_load), written, shift, resumed=resumed)


def _seed_budgets(engine: Engine, path: Path) -> int:
    """Save the sample budgets as a user would (validated, audited); never over a stored one.

    Logged as an ingest of kind ``budgets`` so that a finished seed does not read it again.
    """
    import csv

    from app.health.budgets import BudgetSpec, budgets_for, save_budget
    from app.ingest.importers import file_sha256
    from app.roles import EDITOR

    saved = 0
    stored = {b.system for b in budgets_for(engine)}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["system"] not in stored:
            spec = BudgetSpec(row["system"], float(row["amount"]), row["currency"])
            save_budget(engine, spec, 0, "tandem seed", EDITOR, "sample data")
            saved += 1
    with session_scope(engine) as session:
        session.add(
            IngestRecord(kind="budgets", source=str(path.resolve()), content_hash=file_sha256(path),
                         rows_read=len(rows), rows_written=saved)
        )  # fmt: skip
    return saved


def _entries(manifest: dict[str, object]) -> list[dict[str, object]]:
    files = manifest["files"]
    assert isinstance(files, list)
    return files


def _pending(
    session: Session, source: Path, entries: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The manifest's entries whose file (kind and content) no ingest has logged yet."""
    from app.ingest.importers import file_sha256

    query = select(IngestRecord.kind, IngestRecord.content_hash)
    logged = {(kind, content_hash) for kind, content_hash in session.execute(query)}
    return [
        entry
        for entry in entries
        if (str(entry["kind"]), file_sha256(source / str(entry["path"]))) not in logged
    ]


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
