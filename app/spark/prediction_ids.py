"""``prediction_id`` is unique per system on the Spark ingest too, as locally.

The rule of :mod:`app.ingest.prediction_ids`: a prediction was made once, by
one model version on one UTC day, so a row whose id is stored in another
production window of the system (another day or version) is bad input, and
nothing is written. Before the job measures anything, the ids of the windows
it is about to write are joined on Spark with the ids of the system's other
stored production windows, wherever their rows are: a Parquet file of the data
dir, or the files of a lake location (this one, on other days, or another).
Within one location ids are unique already (:mod:`app.spark.lake`). Files a
lake no longer holds (deleted by its retention) have no ids to compare. A
duplicate is named as the local engine names it: the file, the row (1-based,
the file's own row order) and the column. References are training data,
outside the rule. Only ids that collide come to the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from app.ingest.errors import IngestError, quote
from app.spark.lake import DAY_MICROS, LakeRows, first_row, shown_path
from app.spark.stored import StoredWindow
from app.spark.windows import EPOCH, LakeWindow, rows_of

COLUMN = "prediction_id"
_EXPECTED = "a prediction_id unique per system (a re-sent row keeps its model version and UTC day)"


def refuse_ids_stored_elsewhere(
    spark: SparkSession,
    lake: LakeRows,
    changed: Sequence[LakeWindow],
    stored: Sequence[StoredWindow],
    data_dir: Path,
) -> None:
    """Raise the :class:`IngestError` of the first row (by file, then row) whose id is
    stored in another production window of the system."""
    written = [w for w in changed if not w.is_reference]
    others = [w for w in stored if not w.is_reference]
    if not lake.has_ids or not written or not others:
        return
    old = _stored_ids(spark, others, data_dir)
    if old is None:
        return
    new = rows_of(lake.frame, written, reference=False).select(
        COLUMN, "model_version", "_day", "_file"
    )
    hits = (
        new.where(F.col(COLUMN).isNotNull())
        .join(old, COLUMN)
        .where((F.col("model_version") != F.col("o_version")) | (F.col("_day") != F.col("o_day")))
        .select("_file", COLUMN, "o_version", "o_day")
        .distinct()
        .limit(1000)  # enough to find the first row of the first file
        .collect()
    )
    if not hits:
        return
    first = min(str(h["_file"]) for h in hits)
    ids = {str(h[COLUMN]): h for h in hits if str(h["_file"]) == first}
    found, row = first_row(spark, first, list(ids))
    hit = ids[found]
    day = EPOCH + timedelta(days=int(hit["o_day"]))
    raise IngestError(
        shown_path(first),
        row=row,
        column=COLUMN,
        expected=_EXPECTED,
        got=f"{quote(found)}, stored already in the window of "
        f"model version {hit['o_version']}, {day:%Y-%m-%d}",
    )


def _stored_ids(
    spark: SparkSession, windows: Sequence[StoredWindow], data_dir: Path
) -> DataFrame | None:
    """(prediction_id, o_version, o_day) of the stored windows' rows that have an id."""
    parts: list[DataFrame] = []
    local = [str(data_dir / w.path) for w in windows if w.source_files is None]
    existing = [p for p in local if Path(p).exists()]
    if existing:
        parts.append(_ids(spark.read.option("mergeSchema", "true").parquet(*existing)))
    by_location: dict[str, list[StoredWindow]] = {}
    for window in windows:
        if window.source_files is not None:
            by_location.setdefault(window.path, []).append(window)
    for held in by_location.values():
        files = _existing(spark, sorted({str(f[0]) for w in held for f in w.source_files or ()}))
        if not files:
            continue
        rows = _ids(spark.read.option("mergeSchema", "true").parquet(*files))
        keys = spark.createDataFrame(
            [(w.model_version, _day_of(w)) for w in held], "o_version long, o_day long"
        )
        parts.append(rows.join(F.broadcast(keys), ["o_version", "o_day"]))
    if not parts:
        return None
    return reduce(DataFrame.unionByName, parts)


def _existing(spark: SparkSession, files: Sequence[str]) -> list[str]:
    """The files still there: a lake's retention may have deleted a stored day's files
    (its ids went with them), which must not stop every later ingest of the system."""
    context = spark.sparkContext
    jvm = context._jvm
    assert jvm is not None
    conf = context._jsc.hadoopConfiguration()
    found = []
    for file in files:
        path = jvm.org.apache.hadoop.fs.Path(file)
        if path.getFileSystem(conf).exists(path):
            found.append(file)
    return found


def _day_of(window: StoredWindow) -> int:
    return int(window.start.timestamp() * 1_000_000) // DAY_MICROS


def _ids(frame: DataFrame) -> DataFrame:
    if COLUMN not in frame.columns:
        return frame.sparkSession.createDataFrame(
            [], f"{COLUMN} string, o_version long, o_day long"
        )
    timestamp = F.col("timestamp")
    if isinstance(frame.schema["timestamp"].dataType, T.TimestampNTZType):
        timestamp = F.to_utc_timestamp(timestamp, "UTC")  # zone-less: UTC, as read_lake reads it
    return frame.where(F.col(COLUMN).isNotNull()).select(
        F.col(COLUMN).cast("string").alias(COLUMN),
        F.col("model_version").cast("long").alias("o_version"),
        F.floor(F.unix_micros(timestamp) / F.lit(DAY_MICROS)).cast("long").alias("o_day"),
    )
