"""Tandem on Apache Spark: the exact drift engine where the data lives (issue 13).

Only the CLI imports this package (an import-linter contract holds it so), and
each module imports PySpark itself, so no page or service ever loads the JVM.
``app.spark.drift.spark_drift`` is the engine; ``app.spark.session`` finds or
starts the session it runs on.
"""
