"""Debian's Prometheus and Alertmanager, started for the alerting test.

Both listen on loopback ports of their own, with their own config and data
directories; the packages' services are never used. Alertmanager's gossip is
switched off (``--cluster.listen-address=``) so that it opens no other port.
Prometheus scrapes the given targets and evaluates its rules every second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.http import wait_until_ok
from tests.support.ports import free_port

READY_TIMEOUT_S = 30.0
ALERTMANAGER_CONFIG = """\
route:
  receiver: "nobody"
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: "nobody"
"""


def alertmanager_binary() -> str | None:
    """Debian names it ``prometheus-alertmanager``; upstream ``alertmanager``."""
    return shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@contextmanager
def _running(args: list[str], log_path: Path, ready_url: str, name: str) -> Iterator[None]:
    log = log_path.open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ok(ready_url, process, log_path, name, READY_TIMEOUT_S)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def alertmanager(root: Path) -> Iterator[str]:
    """A throwaway Alertmanager; yields its URL."""
    binary = alertmanager_binary()
    if binary is None:
        raise RuntimeError("Alertmanager not found; scripts/install-test-deps.sh installs it")
    root.mkdir(parents=True, exist_ok=True)
    config = root / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.path={root / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with _running(args, root / "alertmanager.log", f"{url}/-/ready", "alertmanager"):
        yield url


@contextmanager
def prometheus(root: Path, targets: list[str], rules: Path, alertmanager_url: str) -> Iterator[str]:
    """A throwaway Prometheus scraping ``targets`` every second; yields its URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus not found; scripts/install-test-deps.sh installs it")
    root.mkdir(parents=True, exist_ok=True)
    config = root / "prometheus.yml"
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(rules)],
                "alerting": {
                    "alertmanagers": [
                        {"static_configs": [{"targets": [alertmanager_url.split("://")[1]]}]}
                    ]
                },
                "scrape_configs": [
                    {"job_name": "tandem", "static_configs": [{"targets": targets}]}
                ],
            }
        )
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={root / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--rules.alert.resend-delay=1s",
    ]
    with _running(args, root / "prometheus.log", f"{url}/-/ready", "prometheus"):
        yield url
