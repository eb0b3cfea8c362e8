"""`tandem import-prometheus` against a real Prometheus serving known series."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from app.cli import cli
from app.ingest.prometheus import import_prometheus
from app.store.db import session_scope
from app.store.models import Base, HealthRollup, HealthSample, IngestRecord, System
from tests.prometheus.series import MINUTES, START, expected_rows

SINCE = START.isoformat()
UNTIL = (START + timedelta(minutes=MINUTES)).isoformat()
COUNTS = ("requests", "errors")
FLOATS = ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "cpu_util", "mem_util")


def run(url: str, *args: str, since: str = SINCE, until: str = UNTIL) -> Any:
    command = ["import-prometheus", "--url", url, "--system", "api"]
    return CliRunner().invoke(cli, [*command, "--since", since, "--until", until, *args])


def stored(engine: Engine) -> list[dict[str, Any]]:
    columns = ("timestamp", *COUNTS, *FLOATS)
    with session_scope(engine) as session:
        query = select(*(getattr(HealthSample, c) for c in columns)).order_by(
            HealthSample.timestamp
        )
        return [dict(zip(columns, row, strict=True)) for row in session.execute(query)]


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


def assert_rows_match(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert [r["timestamp"] for r in rows] == [e["timestamp"] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        for key in COUNTS:  # exact: see series.py for why increase() is exact here
            assert row[key] == want[key], (row["timestamp"], key)
        for key in FLOATS:  # divisions inside PromQL: equal to rounding
            if want[key] is None:
                assert row[key] is None, (row["timestamp"], key)
            else:
                assert row[key] == pytest.approx(want[key], rel=1e-9), (row["timestamp"], key)


def test_import_stores_the_series_as_computed_by_hand(
    prometheus_url: str, sqlite_engine: Engine
) -> None:
    result = run(prometheus_url)
    assert result.exit_code == 0, result.output
    assert f"{MINUTES} written" in result.stdout
    assert "new systems: api" in result.stdout
    rows = stored(sqlite_engine)
    assert_rows_match(rows, expected_rows())
    # The idle minute: zero counts, but no latency (not 0 ms).
    idle = rows[29]
    assert (idle["requests"], idle["errors"], idle["latency_p95_ms"]) == (0, 0, None)
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(System.name)) == "api"
        records = session.scalars(select(IngestRecord)).all()
        assert [(r.kind, r.rows_written) for r in records] == [("prometheus", MINUTES)]
        # The hourly rollups the pages read are rebuilt too.
        hours = session.execute(
            select(HealthRollup.samples, HealthRollup.requests, HealthRollup.errors).order_by(
                HealthRollup.hour
            )
        ).all()
    want = expected_rows()
    assert [tuple(h) for h in hours] == [
        (60, sum(w["requests"] for w in half), sum(w["errors"] for w in half))
        for half in (want[:60], want[60:])
    ]


def test_a_second_import_adds_nothing(prometheus_url: str, sqlite_engine: Engine) -> None:
    assert run(prometheus_url).exit_code == 0
    before = row_counts(sqlite_engine)
    again = run(prometheus_url)
    assert again.exit_code == 0, again.output
    assert "0 written" in again.stdout
    # No new sample, and no ingest record: the data version (cache key) stays put.
    assert row_counts(sqlite_engine) == before


def test_overlapping_off_grid_ranges_land_on_the_same_samples(
    prometheus_url: str, sqlite_engine: Engine
) -> None:
    # 00:10:20..00:40:50 holds the whole minutes 00:11..00:39 (29 samples).
    first = run(prometheus_url, since="2025-01-01T00:10:20Z", until="2025-01-01T00:40:50Z")
    assert first.exit_code == 0, first.output
    assert " 29 written" in first.stdout
    second = run(prometheus_url, since="2025-01-01T00:30:00", until="2025-01-01T01:00:00")
    assert second.exit_code == 0, second.output
    assert " 20 written" in second.stdout  # 00:40..00:59
    assert_rows_match(stored(sqlite_engine), expected_rows()[11:60])


def test_long_ranges_are_fetched_in_chunks(prometheus_url: str, sqlite_engine: Engine) -> None:
    summary = import_prometheus(
        prometheus_url,
        system="api",
        since=START,
        until=START + timedelta(minutes=MINUTES),
        engine=sqlite_engine,
        max_points=7,  # 120 intervals: 18 chunks, the last of 1
    )
    assert (summary.rows_read, summary.rows_written) == (MINUTES, MINUTES)
    assert_rows_match(stored(sqlite_engine), expected_rows())


def test_a_signal_without_series_is_stored_empty(
    prometheus_url: str, sqlite_engine: Engine, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        'cpu_util = ""\n'  # not imported
        "mem_util = 'avg(container_memory_working_set_ratio)'  # no such series\n"
        "latency_p99_ms = '''\n"
        "  histogram_quantile(0.99, sum by (le) (\n"
        "    rate(http_request_duration_seconds_bucket[{step}]))) * 1000'''\n"
    )
    result = run(prometheus_url, "--mapping", str(mapping), "--step", "5m")
    assert result.exit_code == 0, result.output
    assert "no data (stored empty): cpu_util, mem_util" in result.stdout
    rows = stored(sqlite_engine)
    assert len(rows) == MINUTES // 5
    assert all(r["cpu_util"] is None and r["mem_util"] is None for r in rows)
    # Five minutes of the known series: counts add up exactly.
    want = expected_rows()
    assert [r["requests"] for r in rows] == [
        sum(w["requests"] for w in want[i : i + 5]) for i in range(0, MINUTES, 5)
    ]
    assert rows[1]["latency_p99_ms"] == pytest.approx(437.5, rel=1e-9)


def _mapping(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return str(path)


BAD_INPUT = {
    "unreachable": (lambda url, tmp: ["--url", "http://127.0.0.1:1"], "cannot reach Prometheus"),
    "not a URL": (lambda url, tmp: ["--url", "localhost:9090"], "--url: expected http://"),
    "PromQL error": (
        lambda url, tmp: ["--mapping", _mapping(tmp, 'requests = "sum(rate(x[{step}])"')],
        "bad_data: 1:",  # Prometheus' own message: parse error ...
    ),
    "bad since": (lambda url, tmp: ["--since", "2025-13-01"], "--since: expected an ISO 8601"),
    "since after until": (lambda url, tmp: ["--since", UNTIL, "--until", SINCE], "before --until"),
    "since equals until": (lambda url, tmp: ["--since", SINCE, "--until", SINCE], "before"),
    "bad step": (lambda url, tmp: ["--step", "1 minute"], "--step: expected a positive"),
    "zero step": (lambda url, tmp: ["--step", "0s"], "--step: expected a positive"),
    "unknown mapping key": (
        lambda url, tmp: ["--mapping", _mapping(tmp, 'latency = "x"')],
        "unknown keys latency",
    ),
    "missing mapping file": (lambda url, tmp: ["--mapping", "/nonexistent.toml"], "no such"),
    "no error series": (
        lambda url, tmp: ["--mapping", _mapping(tmp, 'errors = "sum(rate(nope_total[1m]))"')],
        "the errors query returned no data",
    ),
    "several series": (
        lambda url, tmp: [
            "--mapping",
            _mapping(tmp, "cpu_util = 'rate(node_cpu_seconds_total[{step}])'"),
        ],
        "returned 4 series",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_and_writes_nothing(
    case: str, prometheus_url: str, sqlite_engine: Engine, tmp_path: Path
) -> None:
    make_args, message = BAD_INPUT[case]
    args = make_args(prometheus_url, tmp_path)
    # Later options win: --url, --since and --until in args override the defaults.
    result = run(prometheus_url, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not any(row_counts(sqlite_engine).values())
