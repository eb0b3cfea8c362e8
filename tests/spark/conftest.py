"""One Spark session for the whole test run (it takes 10-15 s to start, more on a busy machine).

Under CI a missing PySpark or Java fails the run (``tests.support.tools.require``);
elsewhere the Spark tests skip. The session is local, bound to loopback, with
three shuffle partitions so the range-bucket code of the engine runs with more
than one bucket even on tiny data.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.tools import require

SHUFFLE_PARTITIONS = 3
# The tests' data is a few thousand rows, so a query's fixed costs are its time: adaptive
# execution runs each shuffle stage as a job of its own (about twice the jobs per ingest,
# 32 -> 16 for the sample reference), and whole-stage code generation compiles every new
# query shape. Neither changes a result (the engine's sums and counts are the same
# expressions either way); a real session keeps Spark's defaults (app.spark.session).
TEST_CONFIG = {
    "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    has_pyspark = importlib.util.find_spec("pyspark") is not None
    require(has_pyspark, "PySpark is not installed (the spark extra)")
    require(shutil.which("java") is not None, "Java is not installed (openjdk-17-jre-headless)")
    from app.spark.session import spark_session

    session = spark_session("local[2]", TEST_CONFIG)
    yield session
    session.stop()
