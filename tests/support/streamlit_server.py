"""The real dashboard server on a free loopback port, as ``tandem serve`` starts it.

For the load client's tests, the two-replica test and ``bench_load``: any data
directory and any database URL (several servers may share one PostgreSQL), and
the server's process, whose memory the load benchmark samples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import PROJECT_ROOT
from tests.support.http import wait_until_ok
from tests.support.ports import free_port


@dataclass(frozen=True)
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_bytes(self) -> int:
        """Resident memory of the server and every process it started (``VmRSS``)."""
        return process_tree_rss(self.process.pid)


def process_tree_rss(pid: int) -> int:
    """``VmRSS`` of ``pid`` and its descendants, in bytes (0 for a process that is gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:  # exited meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024  # reported in kB
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return total


@contextmanager
def serve_app(
    data_dir: Path, database_url: str | None = None, script: Path | None = None
) -> Iterator[RunningApp]:
    """Serve the app over ``data_dir`` (and its SQLite file unless ``database_url`` is given).

    ``script`` serves another Streamlit script instead of Tandem's entry (the client's tests).
    """
    with serve_apps(1, data_dir, database_url, script) as (app,):
        yield app


@contextmanager
def serve_apps(
    count: int, data_dir: Path, database_url: str | None = None, script: Path | None = None
) -> Iterator[tuple[RunningApp, ...]]:
    """``count`` servers (replicas) of the same data, started side by side."""
    env = {
        **os.environ,
        "TANDEM_DATA_DIR": str(data_dir),
        "TANDEM_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'tandem.db'}",
    }
    apps: list[RunningApp] = []
    try:
        for _ in range(count):
            port = free_port()
            log = data_dir / f"streamlit-{port}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "app.ui.launch",  # as `tandem serve` starts it
                        "run",
                        str(script or PROJECT_ROOT / "streamlit_app.py"),
                        "--server.port",
                        str(port),
                        "--server.address",
                        "127.0.0.1",
                        "--server.headless",
                        "true",
                        "--browser.gatherUsageStats",
                        "false",
                    ],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            apps.append(RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log))
        for app in apps:
            wait_until_ok(f"{app.url}/_stcore/health", app.process, app.log, "streamlit", 120)
        yield tuple(apps)
    finally:
        for app in apps:
            app.process.terminate()
        for app in apps:
            try:
                app.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.process.kill()
                app.process.wait()
