"""A table for ``tandem drift --engine spark``: anything Spark reads, checked before measuring.

PATH is a file, a directory, a glob or a URL (``file://``, ``s3a://``, ...):
``.csv`` is read as CSV with a header (types inferred, as pandas does), a
directory holding ``_delta_log`` as Delta (with ``delta-spark`` installed),
anything else as Parquet with the files' schemas merged. A refusal is a
:class:`TableError` naming the path (or the file) and the column.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MAX_FILES_CHECKED = 10_000


class TableError(ValueError):
    """The path cannot be read as one table (missing, no rows, files that disagree on a type)."""


def _local(path: str) -> str | None:
    if path.startswith("file://"):
        return path.removeprefix("file://")
    return None if "://" in path else path


def read_table(spark: SparkSession, path: str, option: str) -> DataFrame:
    """The rows at ``path`` as one DataFrame (nothing collected); ``option`` names it in errors."""
    local = _local(path)
    if local is not None and not glob.glob(local):
        raise TableError(f"{option} {path}: no such file or directory")
    reader = spark.read
    try:
        if path.lower().endswith(".csv"):
            frame = reader.option("header", "true").option("inferSchema", "true").csv(path)
        elif local is not None and (Path(local) / "_delta_log").is_dir():
            frame = reader.format("delta").load(path)
        else:
            frame = reader.option("mergeSchema", "true").parquet(path)
        empty = frame.isEmpty()
    except Exception as error:  # Spark raises AnalysisException, or the JVM's own errors
        message = str(error)
        if "merge" in message.lower() and (
            "incompatible" in message.lower() or "CANNOT_MERGE" in message
        ):
            raise _type_conflict(spark, path, option) from None
        if "PATH_NOT_FOUND" in message:
            raise TableError(f"{option} {path}: no such file or directory") from None
        first = message.strip().splitlines()[0] if message.strip() else type(error).__name__
        raise TableError(f"{option} {path}: cannot read ({first})") from None
    if empty:
        raise TableError(f"{option} {path}: no rows")
    return frame


def _type_conflict(spark: SparkSession, path: str, option: str) -> TableError:
    """The first column two of the files type differently, naming both files."""
    files = spark.read.format("binaryFile").load(path).select("path").limit(MAX_FILES_CHECKED)
    seen: dict[str, tuple[str, str]] = {}
    for (name,) in files.collect():  # file names, not rows
        if Path(name).name.startswith(("_", ".")):
            continue  # _SUCCESS, .crc and other non-data files Spark skips too
        for field in spark.read.parquet(name).schema.fields:
            first_file, first_type = seen.setdefault(
                field.name, (name, field.dataType.simpleString())
            )
            if first_type != field.dataType.simpleString():
                return TableError(
                    f"{option} {path}: column {field.name!r} is {field.dataType.simpleString()} "
                    f"in {name} but {first_type} in {first_file}"
                )
    return TableError(f"{option} {path}: the files' schemas cannot be merged")
