"""Production rows where they live: a lake location read by Spark and checked like a file.

:func:`read_lake` reads ``location`` (a Parquet file, a directory, a glob or a
Delta table, on any filesystem URL Spark supports) and checks it as the local
importer checks a production file (``docs/data-formats.md``): the required
columns with their types, a type shared by every file (a column typed
differently in two files is refused naming both), at least one row, no empty
timestamp, model version or prediction. A refusal is an
:class:`app.ingest.errors.IngestError` naming the location (or the file) and
the column, so the CLI exits 2 with nothing written.

The rows come back in the local pipeline's canonical form
(:func:`app.production.windows.canonical`): numbers as ``double``, other
features and segments as text, plus each row's window key (``_day``: UTC
days since the epoch) and its file's identity (``_file``, ``_size``,
``_mtime``, from Spark's ``_metadata`` column). Nothing here collects rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from app.ingest.errors import IngestError, quote
from app.production.tasks import SCORE_PREFIX
from app.production.windows import FIXED, SEGMENT_PREFIX, SENSITIVE_PREFIX

DAY_MICROS = 86_400_000_000
IDENTITY = ("_file", "_size", "_mtime")
_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)
_INTEGRAL = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)


@dataclass(frozen=True)
class LakeRows:
    """A location's rows, canonical, with their window key and file identity columns."""

    location: str
    frame: DataFrame
    segments: tuple[str, ...]
    features: tuple[str, ...]
    has_ids: bool


def location_url(location: str) -> str:
    """``location`` as a URL: a local path becomes ``file://`` + its absolute path."""
    if "://" in location:
        return location
    return "file://" + str(Path(location).absolute())


def read_lake(spark: SparkSession, location: str, files: Sequence[str] | None = None) -> LakeRows:
    """The validated, canonical rows at ``location`` (see the module docstring).

    ``files`` reads those files only (a stored lake window's), not the location's.
    """
    url = location_url(location)
    raw = _read(spark, location, url, files)
    fields = {f.name: f.dataType for f in raw.schema.fields}
    _check_columns(location, fields)
    segments = tuple(c for c in fields if c.startswith(SEGMENT_PREFIX))
    sensitive = tuple(c for c in fields if c.startswith(SENSITIVE_PREFIX))
    scores = tuple(c for c in fields if c.startswith(SCORE_PREFIX))  # a class's score
    fixed = (*FIXED, "prediction_id", "system")
    prefixes = (SEGMENT_PREFIX, SENSITIVE_PREFIX, SCORE_PREFIX)
    features = tuple(c for c in fields if c not in fixed and not c.startswith(prefixes))
    has_ids = "prediction_id" in fields
    columns: list[Column] = [
        _timestamp(fields["timestamp"]).alias("timestamp"),
        F.col("model_version").cast("long").alias("model_version"),
        F.col("prediction").cast("double").alias("prediction"),
        (F.col("label").cast("double") if "label" in fields else F.lit(None).cast("double")).alias(
            "label"
        ),
    ]
    if has_ids:
        columns.append(F.col("prediction_id").cast("string").alias("prediction_id"))
    columns += [_text(c, fields[c]) for c in (*segments, *sensitive)]
    columns += [F.col(f"`{c}`").cast("double").alias(c) for c in scores]
    columns += [_feature(c, fields[c]) for c in features]
    columns += [
        F.col("_metadata.file_path").alias("_file"),
        F.col("_metadata.file_size").alias("_size"),
        F.unix_millis(F.col("_metadata.file_modification_time")).alias("_mtime"),
    ]
    frame = raw.select(*columns).withColumn(
        "_day", F.floor(F.unix_micros("timestamp") / F.lit(DAY_MICROS)).cast("long")
    )
    _check_rows(location, frame, has_ids)
    return LakeRows(url, frame, segments, features, has_ids)


def _read(spark: SparkSession, location: str, url: str, files: Sequence[str] | None) -> DataFrame:
    """The location's rows; a missing path or files that disagree on a type are refused."""
    reader = spark.read.option("mergeSchema", "true")
    try:
        if files:
            return reader.parquet(*files)
        if _is_delta(url):
            return reader.format("delta").load(url)
        return reader.parquet(url)
    except AnalysisException as error:
        message = str(error)
        if "PATH_NOT_FOUND" in message or "does not exist" in message.lower():
            raise IngestError(
                location, expected="a Parquet file, folder or glob", got="no such path"
            ) from None
        if "CANNOT_MERGE" in message or "merge incompatible" in message.lower():
            raise _type_conflict(spark, location, url) from None
        if "UNABLE_TO_INFER_SCHEMA" in message:
            raise IngestError(location, expected="Parquet files", got="none") from None
        raise
    except Exception as error:  # Spark raises the merge conflict from the JVM, not always typed
        if "merge" in str(error).lower() and "incompatible" in str(error).lower():
            raise _type_conflict(spark, location, url) from None
        raise


def _is_delta(url: str) -> bool:
    if not url.startswith("file://"):
        return False
    return (Path(url.removeprefix("file://")) / "_delta_log").is_dir()


def _type_conflict(spark: SparkSession, location: str, url: str) -> IngestError:
    """The first column two files type differently, naming the second file."""
    files = spark.read.format("binaryFile").load(url).select("path").limit(10_000)
    seen: dict[str, tuple[str, T.DataType]] = {}
    for (path,) in files.collect():  # file names, not rows
        for field in spark.read.parquet(path).schema.fields:
            first = seen.setdefault(field.name, (path, field.dataType))
            if _kind(first[1]) != _kind(field.dataType):
                return IngestError(
                    path,
                    column=field.name,
                    expected=f"{first[1].simpleString()} as in {Path(first[0]).name}",
                    got=field.dataType.simpleString(),
                )
    return IngestError(location, expected="one type per column in every file", got="a conflict")


def _kind(data_type: T.DataType) -> str:
    if isinstance(data_type, _INTEGRAL):
        return "integer"
    if isinstance(data_type, T.FloatType | T.DoubleType):
        return "float"
    return data_type.simpleString()


def _check_columns(location: str, fields: dict[str, T.DataType]) -> None:
    for name in ("timestamp", "model_version", "prediction"):
        if name not in fields:
            raise IngestError(location, column=name, expected="a required column", got="none")
    if not isinstance(fields["timestamp"], T.TimestampType | T.TimestampNTZType):
        got = fields["timestamp"].simpleString()
        raise IngestError(location, column="timestamp", expected="a timestamp", got=got)
    if not isinstance(fields["model_version"], _INTEGRAL):
        got = fields["model_version"].simpleString()
        raise IngestError(location, column="model_version", expected="an integer", got=got)
    for name in ("prediction", "label"):
        if name in fields and not isinstance(fields[name], _NUMERIC):
            got = fields[name].simpleString()
            raise IngestError(location, column=name, expected="a number", got=got)


def _check_rows(location: str, frame: DataFrame, has_ids: bool) -> None:
    """One aggregate over the rows: none at all, or a required value missing or out of range."""
    counts = frame.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.col("timestamp").isNull()).alias("timestamp"),
        F.count_if(F.col("model_version").isNull() | (F.col("model_version") < 1)).alias(
            "model_version"
        ),
        F.count_if(F.col("prediction").isNull() | F.isnan("prediction")).alias("prediction"),
        (
            (F.count("prediction_id") - F.count_distinct("prediction_id")) if has_ids else F.lit(0)
        ).alias("prediction_id"),
    ).first()
    assert counts is not None
    if counts["rows"] == 0:
        raise IngestError(location, expected="data rows", got="no data rows")
    expected = {
        "timestamp": "a timestamp in every row",
        "model_version": "an integer ≥ 1 in every row",
        "prediction": "a number in every row",
        "prediction_id": "prediction ids unique within the data",
    }
    for column, text in expected.items():
        if column == "prediction_id" and counts[column]:
            raise _repeated_id(location, frame)
        if counts[column]:
            raise IngestError(location, column=column, expected=text, got=f"{counts[column]} rows")


def _repeated_id(location: str, frame: DataFrame) -> IngestError:
    """A ``prediction_id`` two rows of the location share, named at its later row: the
    later UTC day's (a re-sent prediction keeps its day), else the later file's, as the
    local engine names a file row whose id is stored already."""
    repeated = frame.groupBy("prediction_id").count().where(F.col("count") > 1)
    ids = [r["prediction_id"] for r in repeated.select("prediction_id").limit(100).collect()]
    rows = (
        frame.where(F.col("prediction_id").isin(ids))
        .select("prediction_id", "_day", "_file")
        .orderBy("prediction_id", "_day", "_file")
        .collect()  # two rows (or a few) per repeated id, at most 100 ids
    )
    later = [r for r, before in zip(rows[1:], rows[:-1], strict=True) if r[0] == before[0]]
    file = min(str(r["_file"]) for r in later)
    row = first_row(frame.sparkSession, file, [str(r[0]) for r in later if r["_file"] == file])
    return IngestError(
        shown_path(file),
        row=row[1],
        column="prediction_id",
        expected="prediction ids unique within the data",
        got=f"{quote(row[0])}, also in another row of {location}",
    )


def first_row(spark: SparkSession, file: str, ids: Sequence[str]) -> tuple[str, int]:
    """The id of ``ids`` that comes first in ``file`` and its row there (1-based)."""
    found = (
        spark.read.parquet(file)
        .select(F.col("prediction_id").cast("string").alias("id"), F.col("_metadata.row_index"))
        .where(F.col("id").isin(list(ids)))
        .orderBy("row_index")
        .first()
    )
    assert found is not None
    return str(found["id"]), int(found["row_index"]) + 1


def shown_path(file: str) -> str:
    """A file Spark names (``file:///...``) as a path when it is local, else its URL."""
    if file.startswith("file:"):
        return unquote(urlparse(file).path)
    return file


def _timestamp(data_type: T.DataType) -> Column:
    """A timestamp as UTC microseconds (a zone-less one is read as UTC)."""
    if isinstance(data_type, T.TimestampNTZType):
        return F.to_utc_timestamp(F.col("timestamp"), "UTC")
    return F.col("timestamp")


def _text(name: str, data_type: T.DataType) -> Column:
    column = F.col(f"`{name}`")
    return (column if isinstance(data_type, T.StringType) else column.cast("string")).alias(name)


def _feature(name: str, data_type: T.DataType) -> Column:
    """Numbers (and booleans) as double, everything else as text: ``canonical``'s rule."""
    if isinstance(data_type, (*_NUMERIC, T.BooleanType, T.DecimalType)):
        return F.col(f"`{name}`").cast("double").alias(name)
    return _text(name, data_type)
