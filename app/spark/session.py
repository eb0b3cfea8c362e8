"""The Spark session Tandem runs on: the active one when there is one, else a local one.

Under ``spark-submit`` or on Databricks a session (or at least its configuration)
already exists, and Tandem uses it as it is. Anywhere else Tandem starts one on
``--spark-master`` (default ``local[*]``), configured for a small machine: no UI,
a handful of shuffle partitions, UTC, and (for a local master) the driver bound
to loopback.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

DEFAULT_MASTER = "local[*]"
# Spark's default of 200 shuffle partitions is for clusters; on one machine each
# partition is a task whose start-up costs more than its share of the work.
LOCAL_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
}
# A local master keeps the driver on loopback; a cluster's executors must reach it.
LOOPBACK_CONFIG = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


class SparkUnavailableError(RuntimeError):
    """PySpark is not installed (the ``spark`` extra) or Java cannot be started."""


def managed_elsewhere() -> bool:
    """Whether a cluster manager started this Python (spark-submit's gateway, Databricks)."""
    return bool(
        os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("DATABRICKS_RUNTIME_VERSION")
    )


def spark_session(master: str | None = None, config: dict[str, str] | None = None) -> SparkSession:
    """The active session, or a new one on ``master`` (``local[*]`` by default).

    Under ``spark-submit`` or Databricks the master and configuration come from
    there and ``master``/``config`` are ignored (with a log line when given).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailableError(
            "PySpark is not installed: pip install 'tandem-dashboard[spark]' (and Java 17)"
        ) from error
    active = SparkSession.getActiveSession()
    if active is not None:
        if master is not None:
            logger.info("spark: using the active session; --spark-master %s ignored", master)
        return active
    if managed_elsewhere():
        return SparkSession.builder.appName("tandem").getOrCreate()
    master = master or DEFAULT_MASTER
    settings = dict(LOCAL_CONFIG)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        settings.update(LOOPBACK_CONFIG)
    # Python UDFs (the Spark ingest's calibration, DLE's scoring) run in this interpreter,
    # with its pandas and NumPy, not whatever `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("tandem").master(master)
    for key, value in {**settings, **(config or {})}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # py4j raises its own types when the JVM cannot start
        raise SparkUnavailableError(f"cannot start Spark on {master}: {error}") from error
    session.sparkContext.setLogLevel("ERROR")
    return session
