"""The import's pure parts, without a server: mapping, dates, step, windows, rows."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import app.ingest.prometheus
import app.ingest.prometheus_api
import app.ingest.prometheus_queries
import app.ingest.prometheus_samples
from app.cli import cli
from app.ingest.errors import PrometheusError
from app.ingest.prometheus_api import MAX_POINTS, Window, parse_step, parse_time
from app.ingest.prometheus_queries import DEFAULT_QUERIES, load_mapping
from app.ingest.prometheus_samples import to_frame

T0 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


def test_defaults_cover_every_column_and_use_the_step() -> None:
    assert list(DEFAULT_QUERIES) == [
        "requests",
        "errors",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p99_ms",
        "cpu_util",
        "mem_util",
    ]
    assert load_mapping(None) == dict(DEFAULT_QUERIES)
    for key, query in DEFAULT_QUERIES.items():
        assert ("{step}" in query) == (key != "mem_util"), key


def test_a_mapping_overrides_some_queries_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# only one job\n"
        "requests = 'sum(increase(http_requests_total{job=\"api\"}[{step}]))'\n"
        'cpu_util = ""\n',
    )
    queries = load_mapping(path)
    assert queries["requests"] == 'sum(increase(http_requests_total{job="api"}[{step}]))'
    assert queries["cpu_util"] == ""  # not imported: stored empty
    assert queries["errors"] == DEFAULT_QUERIES["errors"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('latency = "x"\nfoo = "y"\n', "unknown keys foo, latency"),
        ("[queries]\nrequests = 'x'\n", "unknown keys queries"),
        ("cpu_util = 3\n", "cpu_util: expected a PromQL string, got 3"),
        ('requests = ""\n', "requests: a query is required"),
        ("requests = 'unclosed\n", "not a valid TOML file"),
    ],
)
def test_bad_mappings_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PrometheusError, match="mapping.toml: ") as error:
        load_mapping(write(tmp_path, text))
    assert message in str(error.value)


def test_a_missing_mapping_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(PrometheusError, match="no such mapping file"):
        load_mapping(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("text", "seconds"), [("60s", 60), ("60", 60), ("5m", 300), ("1h", 3600), ("1d", 86400)]
)
def test_steps(text: str, seconds: int) -> None:
    assert parse_step(text) == seconds


@pytest.mark.parametrize("text", ["0s", "", "-1m", "1.5m", "1 minute", "100ms", "1w"])
def test_bad_steps(text: str) -> None:
    with pytest.raises(PrometheusError, match="--step"):
        parse_step(text)


def test_times_are_utc() -> None:
    assert parse_time("2025-01-01T01:00:00+01:00", "--since") == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_time("2025-01-01", "--since") == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_time("2025-01-01T00:00:00Z", "--since") == datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(PrometheusError, match="--until: expected an ISO 8601 timestamp"):
        parse_time("yesterday", "--until")


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, UTC)


def test_a_window_holds_the_whole_grid_intervals_inside_the_range() -> None:
    assert Window.between(at(0), at(600), 60) == Window(T0, 10, 60)
    # 00:00:01..00:09:59: starts 00:01..00:08, the last ending 00:09.
    assert Window.between(at(1), at(599), 60) == Window(T0 + 60, 8, 60)
    with pytest.raises(PrometheusError, match="must be before --until"):
        Window.between(at(60), at(60), 60)
    with pytest.raises(PrometheusError, match="no whole 60s interval"):
        Window.between(at(10), at(100), 60)


@pytest.mark.parametrize(("count", "max_points"), [(1, 5), (10, 5), (11, 5), (12, 5), (7, 100)])
def test_chunks_cover_every_evaluation_time_once(count: int, max_points: int) -> None:
    window = Window(T0, count, 60)
    chunks = window.chunks(max_points)
    times = [t for start, end in chunks for t in range(start, end + 60, 60)]
    # Each interval is evaluated at its end.
    assert times == [T0 + 60 * (i + 1) for i in range(count)]
    assert all((end - start) // 60 + 1 <= max_points for start, end in chunks)
    assert len(chunks) == math.ceil(count / max_points)


def test_a_year_of_minutes_stays_under_prometheus_point_limit() -> None:
    chunks = Window(T0, 366 * 24 * 60, 60).chunks()
    assert MAX_POINTS < 11_000
    assert len(chunks) == math.ceil(366 * 24 * 60 / MAX_POINTS)
    assert max((end - start) // 60 + 1 for start, end in chunks) == MAX_POINTS


def test_rows_are_stored_at_the_interval_start_with_null_for_missing_values() -> None:
    values = {
        "requests": {T0 + 60: 10.0, T0 + 120: 20.4},
        "errors": {T0 + 60: 1.0, T0 + 120: 0.0},
        "latency_p95_ms": {T0 + 60: math.nan, T0 + 120: 250.0},
        "cpu_util": {T0 + 60: 1.01, T0 + 120: -0.001},  # rate jitter: clamped
        # mem_util: no series at all
    }
    frame = to_frame(values, 60)
    assert frame["timestamp"].tolist() == [at(0), at(60)]
    assert frame["requests"].tolist() == [10, 20]
    assert frame["errors"].tolist() == [1, 0]
    assert math.isnan(frame["latency_p95_ms"][0])
    assert frame["latency_p95_ms"][1] == 250.0
    assert frame["cpu_util"].tolist() == [1.0, 0.0]
    assert frame["mem_util"].isna().all()
    assert frame["latency_p50_ms"].isna().all()


def test_times_without_requests_are_not_samples() -> None:
    values = {"requests": {T0 + 120: 5.0}, "errors": {T0 + 60: 0.0, T0 + 120: 1.0}}
    assert to_frame(values, 60)["timestamp"].tolist() == [at(60)]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"requests": {}, "errors": {T0: 0.0}}, "the requests query returned no data"),
        ({"requests": {T0: 1.0}}, "the errors query returned no data"),
        (
            {"requests": {T0: 1.0, T0 + 60: 1.0}, "errors": {T0: 0.0}},
            "errors at 2025-01-01T00:01:00+00:00: expected a count, got no value",
        ),
        ({"requests": {T0: math.nan}, "errors": {T0: 0.0}}, "requests at"),
        (
            {"requests": {T0: 1.0}, "errors": {T0: 0.0}, "mem_util": {T0: 2.0}},
            "mem_util at 2025-01-01T00:00:00+00:00: expected a 0–1 ratio, got 2.0",
        ),
    ],
)
def test_unusable_values_are_bad_input(values: dict, message: str) -> None:
    with pytest.raises(PrometheusError, match=re.escape(message)):
        to_frame(values, 60)


@pytest.mark.parametrize(
    "module",
    [
        app.ingest.prometheus,
        app.ingest.prometheus_api,
        app.ingest.prometheus_queries,
        app.ingest.prometheus_samples,
    ],
)
def test_the_public_api_is_what_all_says(module: ModuleType) -> None:
    names = module.__all__
    assert sorted(names) == names
    assert all(hasattr(module, name) for name in names)


def test_the_command_is_registered() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "import-prometheus" in result.output
