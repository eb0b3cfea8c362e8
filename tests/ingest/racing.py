"""``python -m tests.ingest.racing ARGS``: the real ``tandem ARGS``, started on a signal or killed.

The concurrency and ``kill -9`` tests run ingests as real processes through
this launcher. It imports everything an ingest needs, creates the file named
by ``TANDEM_TEST_READY``, waits until the file named by ``TANDEM_TEST_GO``
exists, then runs ``tandem ARGS``: processes started together race from the
same instant instead of from their staggered imports.

With ``TANDEM_TEST_KILL_AT`` set, the process sends itself SIGKILL at that point:

- ``first-file``: before the first window file is written
- ``tmp-file``: the first window's temporary file written, not yet renamed
- ``before-commit``: every window file written, the transaction not committed
- ``after-commit``: committed, the files it replaced not yet deleted
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import app.ingest.importers as importers
import app.production.files as files
import app.production.pipeline as pipeline
from app.cli import main


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _before(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _die()
        return function(*args, **kwargs)

    return wrapper


def _after(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _die()
        return result

    return wrapper


def _arm(point: str) -> None:
    if point == "first-file":
        files.write_parquet = _before(files.write_parquet)  # type: ignore[assignment]
    elif point == "tmp-file":
        files.write_parquet = _after(files.write_parquet)  # type: ignore[assignment]
    elif point == "before-commit":
        importers.record = _after(importers.record)  # type: ignore[assignment]
    elif point == "after-commit":
        pipeline.delete_files = _before(pipeline.delete_files)  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown TANDEM_TEST_KILL_AT {point!r}")


def _wait_for_go() -> None:
    ready, go = os.environ.get("TANDEM_TEST_READY"), os.environ.get("TANDEM_TEST_GO")
    if ready:
        Path(ready).touch()
    if go:
        while not Path(go).exists():
            time.sleep(0.005)


if __name__ == "__main__":
    if point := os.environ.get("TANDEM_TEST_KILL_AT"):
        _arm(point)
    _wait_for_go()
    sys.argv = ["tandem", *sys.argv[1:]]
    main()
