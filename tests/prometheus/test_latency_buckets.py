"""`tandem import-prometheus` stores latency buckets; a range's p95 is Prometheus' own.

A Prometheus of its own serves two hours of a histogram: 90 fast minutes, then
30 minutes whose requests are ten times slower. Tandem's p95 over the two
hours (summed per-minute buckets) must equal Prometheus' ``histogram_quantile``
of ``sum by (le) (increase(...[range]))`` over the same two hours, and differ
from the old request-weighted mean of the minutes' p95s.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from app.cli import cli
from app.health import build_status
from app.store.db import session_scope
from app.store.models import HealthLatencyBucket
from tests.prometheus.server import PROMETHEUS_MISSING, backfilled_server, binaries
from tests.support.tools import require

START = datetime(2025, 2, 1, tzinfo=UTC)
MINUTES = 120
SCRAPE = 15
BOUNDS = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5")
# Per scrape: observations falling in each bucket (non-cumulative), last = above 5 s.
FAST = (8, 6, 3, 1, 0, 0, 0, 0)
SLOW = (0, 0, 0, 1, 3, 8, 5, 1)
BASE = 1_000_000  # counters start high: no extrapolation stops at zero


def _shape(minute: int) -> tuple[int, ...]:
    return SLOW if minute >= 90 else FAST


def _openmetrics() -> str:
    lines = ["# TYPE http_requests counter", "# TYPE http_request_duration_seconds histogram"]
    requests, per_bucket = float(BASE), [0] * (len(BOUNDS) + 1)
    reqs, hist = [], []
    for j in range(MINUTES * 60 // SCRAPE + 1):
        t = int(START.timestamp()) + SCRAPE * j
        if j:
            shape = _shape((j - 1) * SCRAPE // 60)
            per_bucket = [c + s for c, s in zip(per_bucket, shape, strict=True)]
            requests += sum(shape)
        reqs.append(f'http_requests_total{{code="200"}} {requests} {t}')
        cumulative = BASE
        for le, count in zip([*BOUNDS, "+Inf"], per_bucket, strict=True):
            cumulative += count
            hist.append(f'http_request_duration_seconds_bucket{{le="{le}"}} {cumulative} {t}')
        hist.append(f"http_request_duration_seconds_count {cumulative} {t}")
        hist.append(f"http_request_duration_seconds_sum {float(j)} {t}")
    return "\n".join([lines[0], *reqs, lines[1], *hist, "# EOF", ""])


@pytest.fixture(scope="module")
def slow_end_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(binaries() is not None, PROMETHEUS_MISSING)
    with backfilled_server(_openmetrics(), tmp_path_factory.mktemp("prom-latency")) as url:
        yield url


def _prometheus_p95(url: str, at: datetime, seconds: int) -> float:
    # A range one scrape longer than the two hours holds every sample of them
    # (left-open or closed alike); increase() then scales every bucket by one
    # factor, which histogram_quantile does not see.
    query = (
        "histogram_quantile(0.95, sum by (le) "
        f"(increase(http_request_duration_seconds_bucket[{seconds + SCRAPE}s]))) * 1000"
    )
    params = urllib.parse.urlencode({"query": query, "time": int(at.timestamp())})
    with urllib.request.urlopen(f"{url}/api/v1/query?{params}", timeout=30) as response:
        answer = json.loads(response.read())
    assert answer["status"] == "success", answer
    return float(answer["data"]["result"][0]["value"][1])


def test_range_p95_equals_prometheus_histogram_quantile(
    slow_end_url: str, sqlite_engine: Engine
) -> None:
    until = START + timedelta(minutes=MINUTES)
    result = CliRunner().invoke(
        cli,
        ["import-prometheus", "--url", slow_end_url, "--system", "api",
         "--since", START.isoformat(), "--until", until.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with session_scope(sqlite_engine) as s:
        stored = s.scalar(select(func.count()).select_from(HealthLatencyBucket))
    assert stored == MINUTES * (len(BOUNDS) + 1)

    expected = _prometheus_p95(slow_end_url, until, MINUTES * 60)
    # By hand: 120 min x 4 scrapes; fast 360 scrapes x 18 = 6480, slow 120 x 18 = 2160;
    # total 8640, rank 0.95 * 8640 = 8208. Cumulative: <=0.05 s 2880, <=0.1 5040,
    # <=0.25 6120, <=0.5 6600, <=1 6960, <=2.5 7920, <=5 8520: rank in (2.5, 5]:
    # 2.5 + 2.5 * (8208 - 7920) / 600 = 3.7 s.
    assert expected == pytest.approx(3700.0, rel=1e-9)
    report = build_status(sqlite_engine, since=START, until=until)
    signal = report.system("api").signal("operate.latency_p95_ms")
    assert signal.value == pytest.approx(expected, rel=1e-9)
    assert signal.note is None


def test_a_mapping_can_leave_the_buckets_out(
    slow_end_url: str, sqlite_engine: Engine, tmp_path: Path
) -> None:
    mapping = tmp_path / "prom.toml"
    mapping.write_text('latency_buckets = ""\n')
    until = START + timedelta(minutes=MINUTES)
    result = CliRunner().invoke(
        cli,
        ["import-prometheus", "--url", slow_end_url, "--system", "api", "--mapping",
         str(mapping), "--since", START.isoformat(), "--until", until.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with session_scope(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(HealthLatencyBucket)) == 0
    report = build_status(sqlite_engine, since=START, until=until)
    signal = report.system("api").signal("operate.latency_p95_ms")
    # The minutes' p95s, request-weighted: 90 fast minutes and 30 slow ones, said so.
    assert signal.note is not None
    assert signal.value is not None
    assert signal.value < 0.8 * 3700.0
