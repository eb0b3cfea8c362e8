"""``tandem ingest production PATH --engine spark``: windows measured where the rows live.

Order of work, so that a failed job writes nothing: read and check the
location (:mod:`app.spark.lake`) → cut its windows and compare them with the
stored ones (a window whose files are unchanged is skipped: re-ingesting adds
nothing) → refuse a ``prediction_id`` stored in another window of the system
(:mod:`app.spark.prediction_ids`) → run the whole job on Spark
(:mod:`app.spark.measures`) → then, in one transaction under the system's
write lock, check that the system's windows are still what the job was
planned on, and write the windows (their location and file identities, no
copy of the rows), their quality, performance and drift results and the
ingest record, into the same tables the local engine writes. In that
transaction the local engine's own passes that fit a model in one process
(the multivariate pass and importances, fairness, business value) run on the
driver, on the windows' rows the job collected, at most ``DRIVER_ROWS`` a
window (:mod:`app.spark.driver_frames`).

A lake window owns its (version, day): rows of that day already stored from a
file ingested locally, or from another location, are refused rather than
merged (a lake window is its files' rows, re-read when they change). A
reference replaces the version's stored one, as locally.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from app.config import load_settings
from app.ingest.errors import IngestError, IngestSummary, quote
from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem
from app.production.dle import RESULT_COLUMNS as BANDED_COLUMNS
from app.production.drift import DRIFT_KEY
from app.production.files import PRODUCTION, delete_files, unreferenced
from app.production.multivariate_pass import refresh_multivariate
from app.production.performance import RESULT_COLUMNS, replace_performance
from app.production.quality import replace_window_checks, save_reference_checks
from app.production.summaries import COLUMN_KINDS, CONFUSION, RESIDUALS
from app.production.summary_store import replace_summaries
from app.production.version_results import refresh_version_results
from app.spark.lake import LakeRows, location_url, read_lake
from app.spark.measures import Measures, Plan, Target, measure
from app.spark.prediction_ids import refuse_ids_stored_elsewhere
from app.spark.stored import StoredWindow, stored_windows, version_tasks
from app.spark.windows import LakeWindow, cut_windows, key_text
from app.store.db import get_engine, session_scope
from app.store.models import DriftResult, IngestRecord, ProductionWindow
from app.store.rows import ensure_systems, table_of
from app.store.types import utc_now
from app.store.upsert import upsert

_WINDOW_KEY = ("system_id", "model_version", "is_reference", "window_start")
_READING = re.compile(r"reading file (\S+?)\.?(?:\s|$)")
_CONDITION = re.compile(r"\[([A-Z_.]+)\]")


def ingest_lake(
    location: str,
    *,
    system: str,
    spark: SparkSession,
    reference: bool = False,
    engine: Engine | None = None,
) -> IngestSummary:
    """Measure the production rows at ``location`` on Spark and store the results.

    Raises :class:`IngestError` for bad input (nothing written).
    """
    problem = system_name_problem(system)
    if problem is not None:
        raise IngestError(location, expected=SYSTEM_NAME_RULE, got=problem)
    engine = engine or get_engine()
    data_dir = load_settings().data_dir
    if _inside(location_url(location), data_dir / PRODUCTION):
        # gc and the sweep delete files there that no window points at: never lake files
        raise IngestError(
            location, expected="a location outside Tandem's data dir", got=str(data_dir)
        )
    try:
        lake, windows, changed, stored, measures = _job(
            spark, location, system, reference, engine, data_dir
        )
    except (PySparkException, Py4JJavaError) as error:  # a file Spark cannot read, a failed job
        raise _failed(location, error) from None
    # The job has finished: everything is written now, in one transaction.
    replaced: list[Path] = []
    with session_scope(engine) as session:
        ids, created = ensure_systems(session, [system])  # the system's write lock
        if stored_windows(session, system) != list(stored):
            raise IngestError(
                location,
                expected=f"no other ingest into {system} while the Spark job ran",
                got="its windows changed meanwhile; run the ingest again",
            )
        columns = (list(lake.features), list(lake.segments))
        written = _write(
            session, ids[system], lake.location, changed, stored, measures, columns, replaced
        )
        rows_read = sum(w.rows for w in windows)
        summary = IngestSummary(
            "production", Path(location), rows_read, written, created, len(changed)
        )
        session.add(
            IngestRecord(
                kind="production",
                source=lake.location,
                content_hash=_identities_hash(windows),
                rows_read=rows_read,
                rows_written=written,
            )
        )
        replaced = unreferenced(session, data_dir, replaced)
    delete_files(replaced)
    return summary


def _job(
    spark: SparkSession,
    location: str,
    system: str,
    reference: bool,
    engine: Engine,
    data_dir: Path,
) -> tuple[LakeRows, list[LakeWindow], list[LakeWindow], list[StoredWindow], Measures]:
    """Read, cut and measure: the Spark job, which writes nothing."""
    lake = read_lake(spark, location)
    frame = lake.frame.persist()
    try:
        lake = replace(lake, frame=frame)
        windows = cut_windows(lake, reference=reference)
        with session_scope(engine) as session:
            stored = stored_windows(session, system)
            tasks = version_tasks(session, system)
        changed = _changed(location, lake.location, windows, stored, reference)
        refuse_ids_stored_elsewhere(spark, lake, changed, stored, data_dir)
        measures = measure(spark, Plan(lake, changed, stored, tasks, reference, data_dir))
    finally:
        frame.unpersist()
    return lake, windows, changed, stored, measures


def _failed(location: str, error: Exception) -> IngestError:
    """The job's failure as bad input, naming the file Spark names (else the location)."""
    java = getattr(error, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(error)
    found = _READING.search(text)
    condition = _CONDITION.search(text)
    got = condition[1] if condition else (text.strip().splitlines() or ["a failed job"])[0]
    where = found[1].removeprefix("file:") if found else location
    return IngestError(where, expected="data Spark can read", got=quote(got))


def _inside(url: str, folder: Path) -> bool:
    if not url.startswith("file:"):
        return False
    path = Path(url.removeprefix("file:").lstrip("/"))
    return Path("/", path).resolve().is_relative_to(folder.resolve())


def _stored_match(window: LakeWindow, stored: Sequence[StoredWindow]) -> StoredWindow | None:
    for candidate in stored:
        if candidate.is_reference != window.is_reference:
            continue
        if candidate.model_version != window.model_version:
            continue
        if window.is_reference or candidate.start == window.start:
            return candidate
    return None


def _changed(
    location: str,
    url: str,
    windows: Sequence[LakeWindow],
    stored: Sequence[StoredWindow],
    reference: bool,
) -> list[LakeWindow]:
    """The windows whose files changed (or are new); a day stored from elsewhere is refused."""
    changed = []
    for window in windows:
        match = _stored_match(window, stored)
        if match is not None and match.content_hash == window.content_hash:
            continue
        if match is not None and not reference and match.path != url:
            raise IngestError(
                location,
                column="timestamp",
                expected=f"days not stored from elsewhere (model version {window.model_version})",
                got=f"{window.start:%Y-%m-%d}, stored from {match.path}",
            )
        changed.append(window)
    return changed


def _identities_hash(windows: Sequence[LakeWindow]) -> str:
    files = sorted({f for w in windows for f in w.files})
    return hashlib.sha256(json.dumps([list(f) for f in files]).encode()).hexdigest()


def _write(
    session: Session,
    system_id: int,
    url: str,
    changed: Sequence[LakeWindow],
    stored: Sequence[StoredWindow],
    measures: Measures,
    columns: tuple[list[str], list[str]],
    replaced: list[Path],
) -> int:
    """Store the windows and every result of the job; returns the rows of the windows written."""
    data_dir = load_settings().data_dir
    ids: dict[Target, int] = {w.id: w.id for w in stored}
    for window in changed:
        match = _stored_match(window, stored)
        key = key_text(window.model_version, window.day)
        window_id = _save_window(session, system_id, url, window, match, columns)
        if match is not None and match.source_files is None:
            replaced.append(data_dir / match.path)  # a reference's Parquet file, replaced
        ids[key] = window_id
        replace_window_checks(session, window_id, measures.quality.get(key, []))
        replace_performance(session, window_id, _results(measures.performance.get(key, [])))
    for target, found in measures.performance.items():
        if isinstance(target, int):  # a stored window rescored: its version has a new reference
            replace_performance(session, target, _results(found))
    targets = [ids[t] for t in measures.drift]
    table = table_of(DriftResult)
    for start in range(0, len(targets), 500):
        session.execute(delete(table).where(table.c.window_id.in_(targets[start : start + 500])))
    drift_rows: list[dict[str, Any]] = [
        {**row, "window_id": ids[target], "reference_window_id": ids[measures.reference_of[target]]}
        for target, found in measures.drift.items()
        for row in found
    ]
    upsert(session, table, drift_rows, key=DRIFT_KEY)
    save_reference_checks(
        session, {ids[t]: checks for t, checks in measures.reference_checks.items()}
    )
    replace_summaries(
        session, COLUMN_KINDS, {ids[t]: found for t, found in measures.columns.items()}
    )
    replace_summaries(
        session, (CONFUSION, RESIDUALS), {ids[t]: found for t, found in measures.outcomes.items()}
    )
    # Fitted on the driver, by the local engine's own passes, on the rows the job collected
    # (bounded: app.spark.driver_frames); windows of the data dir are read from there.
    frames = {ids[t]: frame for t, frame in measures.frames.items()}
    written = [(ids[key_text(w.model_version, w.day)], w.is_reference) for w in changed]
    refresh_multivariate(session, system_id, written, data_dir, frames=frames)
    refresh_version_results(  # fairness and business value, as the local pipeline
        session,
        system_id,
        data_dir,
        windows=[window_id for window_id, _ in written],
        value_versions={w.model_version for w in changed if w.is_reference},
        frames=frames,
    )
    return sum(w.rows for w in changed)


def _results(found: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """A window's performance rows as ``replace_performance`` takes them: with the bands
    (NaN where a row has none) when the local engine stores them, or a row has one."""
    banded = len(RESULT_COLUMNS) >= len(BANDED_COLUMNS) or any(
        len(r) > len(RESULT_COLUMNS) for r in found
    )
    columns = BANDED_COLUMNS if banded else RESULT_COLUMNS
    rows = [(*r, math.nan, math.nan)[: len(columns)] for r in found]
    return pd.DataFrame(rows, columns=columns)


def _save_window(
    session: Session,
    system_id: int,
    url: str,
    window: LakeWindow,
    match: StoredWindow | None,
    columns: tuple[list[str], list[str]],
) -> int:
    """Insert or update the window's row: its location and files, not its rows."""
    values: dict[str, Any] = {
        "system_id": system_id,
        "model_version": window.model_version,
        "is_reference": window.is_reference,
        "window_start": window.start,
        "window_end": window.end,
        "newest_row_at": window.newest_row_at,
        "rows": window.rows,
        "labelled_rows": window.labelled_rows,
        "path": url,
        "content_hash": window.content_hash,
        "source_files": [list(f) for f in window.files],
        "feature_columns": columns[0],
        "segment_columns": columns[1],
        "updated_at": utc_now(),
    }
    table = table_of(ProductionWindow)
    if match is not None:
        session.execute(update(table).where(table.c.id == match.id).values(**values))
        return match.id
    upsert(session, table, [values], key=_WINDOW_KEY)
    query = select(table.c.id).where(*(table.c[k] == values[k] for k in _WINDOW_KEY))
    return int(session.execute(query).scalar_one())
