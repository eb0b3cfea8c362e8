"""A throwaway Prometheus server over a backfilled TSDB, for the import tests.

Debian's ``prometheus`` package provides ``prometheus`` and ``promtool``
(``scripts/install-test-deps.sh`` installs it); its own service is not used:
the server here has its own config (no scrape targets), data directory and
loopback port, and is stopped at the end of the session.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.http import wait_until_ok
from tests.support.ports import free_port

READY_TIMEOUT_S = 30.0
CONFIG = "global:\n  scrape_interval: 1h\nscrape_configs: []\n"


PROMETHEUS_MISSING = "Prometheus is not installed (apt-get install prometheus; `make test` does it)"


def binaries() -> tuple[str, str] | None:
    """Paths of ``prometheus`` and ``promtool``, if both are installed."""
    found = [shutil.which(name) for name in ("prometheus", "promtool")]
    return (found[0], found[1]) if found[0] and found[1] else None


@contextmanager
def backfilled_server(openmetrics: str, root: Path) -> Iterator[str]:
    """Backfill ``openmetrics`` into a fresh TSDB under ``root``, serve it, yield its URL."""
    tools = binaries()
    if tools is None:
        raise RuntimeError(
            "prometheus/promtool not found; scripts/install-test-deps.sh installs them"
        )
    prometheus, promtool = tools
    source, data, config = root / "series.om.txt", root / "tsdb", root / "prometheus.yml"
    source.write_text(openmetrics)
    config.write_text(CONFIG)
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(source), str(data)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=100y",  # the series are from 2025: keep them
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(url, process, root / "prometheus.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    wait_until_ok(f"{url}/-/ready", process, log, "prometheus", READY_TIMEOUT_S)
