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


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    has_pyspark = importlib.util.find_spec("pyspark") is not None
    require(has_pyspark, "PySpark is not installed (the spark extra)")
    require(shutil.which("java") is not None, "Java is not installed (openjdk-17-jre-headless)")
    from app.spark.session import spark_session

    session = spark_session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
            "spark.default.parallelism": "2",
        },
    )
    yield session
    session.stop()
