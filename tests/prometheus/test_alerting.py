"""The acceptance of issue 15's alerting, against the real Prometheus and Alertmanager.

Prometheus scrapes a running ``tandem exporter`` (a real subprocess over a
SQLite file with one day of health samples) every second, evaluates the rules
``tandem alert-rules --for 2s`` wrote and sends its alerts to Alertmanager.
Tightening ``operate.availability`` with ``tandem thresholds set`` makes its
critical alert fire in both; loosening it resolves the alert in both. Under
CI=true a missing Prometheus or Alertmanager fails the test instead of
skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.ingest import ingest_file
from tests.prometheus.alerting import alertmanager, alertmanager_binary, get_json, prometheus
from tests.prometheus.health_data import SYSTEM, write_health
from tests.support.http import wait_until_ok
from tests.support.ports import free_port
from tests.support.tools import require

ALERT = "TandemOperateAvailabilityCritical"
WAIT_S = 30.0
T = TypeVar("T")


@pytest.fixture
def tools() -> None:
    missing = [
        name
        for name, found in (
            ("prometheus", shutil.which("prometheus")),
            ("prometheus-alertmanager", alertmanager_binary()),
        )
        if not found
    ]
    require(
        not missing,
        f"not installed: {', '.join(missing)} (scripts/install-test-deps.sh installs them)",
    )


@contextmanager
def _exporter(root: Path) -> Iterator[str]:
    """``tandem exporter`` as a subprocess over the test's database; yields host:port."""
    port = free_port()
    log_path = root / "exporter.log"
    log = log_path.open("wb")
    command = "from app.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", command, "exporter", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),  # TANDEM_DATABASE_URL names the test's SQLite file
    )
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/metrics", process, log_path, "tandem exporter")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _until(check: Callable[[], T], what: str) -> T:
    """Poll ``check`` until it returns something truthy (at most WAIT_S); return it."""
    deadline = time.monotonic() + WAIT_S
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}; last answer {result!r}")
        time.sleep(0.25)  # between polls only


def _set(warn: str, critical: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["thresholds", "set", "operate.availability", "--warn", warn, "--critical", critical,
         "--system", SYSTEM, "--reason", "alerting test"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _prometheus_alerts(url: str) -> list[dict[str, Any]]:
    alerts = get_json(f"{url}/api/v1/alerts")["data"]["alerts"]
    return [a for a in alerts if a["labels"].get("system") == SYSTEM]


def _firing(url: str) -> dict[str, Any] | None:
    return next(
        (
            a
            for a in _prometheus_alerts(url)
            if a["labels"]["alertname"] == ALERT and a["state"] == "firing"
        ),
        None,
    )


def _in_alertmanager(url: str) -> list[dict[str, Any]]:
    return [
        a
        for a in get_json(f"{url}/api/v2/alerts")
        if a["labels"].get("alertname") == ALERT and a["labels"].get("system") == SYSTEM
    ]


def _status(url: str) -> list[float]:
    query = f'tandem_signal_status{{system="{SYSTEM}",signal="operate.availability"}}'
    answer = get_json(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': query})}")
    return [float(r["value"][1]) for r in answer["data"]["result"]]


@pytest.mark.slow
def test_tightened_threshold_fires_in_prometheus_and_alertmanager_and_loosening_resolves(
    tools: None, sqlite_engine: Engine, tmp_path: Path
) -> None:
    ingest_file("health", write_health(tmp_path / "health.csv"), system=SYSTEM)
    rules = tmp_path / "rules.yml"
    written = CliRunner().invoke(cli, ["alert-rules", "--for", "2s", "--out", str(rules)])
    assert written.exit_code == 0, written.output

    with (
        _exporter(tmp_path) as target,
        alertmanager(tmp_path / "am") as am,
        prometheus(tmp_path / "prom", [target], rules, am) as prom,
    ):
        # Scraped: 0.9995 against the default 0.999 / 0.995 is ok, so nothing fires.
        assert _until(lambda: _status(prom), "the first scrape") == [0.0]
        assert not [
            a for a in _prometheus_alerts(prom) if "Availability" in a["labels"]["alertname"]
        ]

        _set("0.9999", "0.9998")  # 0.9995 < 0.9998: critical
        alert = _until(lambda: _firing(prom), f"{ALERT} firing in Prometheus")
        assert alert["labels"]["severity"] == "critical"
        assert alert["labels"]["signal"] == "operate.availability"
        description = alert["annotations"]["description"]
        assert f"of {SYSTEM} is 99.95%" in description
        assert "warn below 99.99%, critical below 99.98%" in description
        assert alert["annotations"]["tandem_url"].endswith(f"/service_health?system={SYSTEM}")
        received = _until(lambda: _in_alertmanager(am), f"{ALERT} in Alertmanager")
        assert received[0]["status"]["state"] == "active"
        assert received[0]["annotations"]["description"] == description

        _set("0.999", "0.995")  # back to the defaults: ok again
        _until(lambda: _firing(prom) is None and not _prometheus_alerts(prom), "the resolution")
        _until(lambda: not _in_alertmanager(am), "the resolution in Alertmanager")
