"""``tandem exporter``'s gauges: the same verdicts as ``tandem status``, fresh after an edit."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from app.alerts.exporter import STATUS_CODES, ReportCache, registry
from app.health import build_status
from app.health.threshold_edits import EDITOR, save_threshold, thresholds_at, version_at
from app.ingest import ingest_file
from tests.prometheus.health_data import SYSTEM, write_health

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(cache: ReportCache) -> Samples:
    text = generate_latest(registry(cache)).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _labels(signal: str, lane: str, stage: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"system": SYSTEM, "lane": lane, "stage": stage, "signal": signal}.items()))


def _ingested(engine: Engine, tmp_path: Path) -> None:
    ingest_file("health", write_health(tmp_path / "health.csv"), system=SYSTEM, engine=engine)


def test_every_signal_has_the_status_reports_value_status_and_bounds(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    _ingested(sqlite_engine, tmp_path)
    report = build_status(sqlite_engine)
    samples = _scrape(ReportCache(sqlite_engine))

    system = report.system(SYSTEM)
    assert samples[("tandem_system_status", (("system", SYSTEM),))] == STATUS_CODES[system.status]
    checked = 0
    for lane in system.lanes.values():
        for stage in lane.stages.values():
            for signal in stage.signals:
                labels = _labels(signal.key, lane.lane, stage.stage)
                assert samples[("tandem_signal_status", labels)] == STATUS_CODES[signal.status]
                assert samples[("tandem_signal_warn", labels)] == signal.warn
                assert samples[("tandem_signal_critical", labels)] == signal.critical
                if signal.value is None:  # unknown: no value sample, never a 0
                    assert ("tandem_signal_value", labels) not in samples
                else:
                    assert samples[("tandem_signal_value", labels)] == signal.value
                checked += 1
    assert checked == sum(1 for (name, _) in samples if name == "tandem_signal_status")
    # 1 - 24 * 5 / (24 * 10,000) = 0.9995: ok against the default 0.999 / 0.995
    availability = _labels("operate.availability", "devops", "operate")
    assert samples[("tandem_signal_value", availability)] == 0.9995
    assert samples[("tandem_signal_status", availability)] == 0


def test_threshold_edit_shows_on_the_next_scrape_within_the_cache_time(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A cache of an hour still rebuilds when a threshold moved (the data version changed)."""
    _ingested(sqlite_engine, tmp_path)
    cache = ReportCache(sqlite_engine, ttl=3600)
    availability = ("tandem_signal_status", _labels("operate.availability", "devops", "operate"))
    assert _scrape(cache)[availability] == 0

    spec = next(
        s for s in thresholds_at(sqlite_engine, SYSTEM) if s.signal == "operate.availability"
    )
    save_threshold(
        sqlite_engine, SYSTEM, spec.signal, 0.9999, 0.9998, version_at(spec, SYSTEM),
        user="test", role=EDITOR,
    )  # fmt: skip

    after = _scrape(cache)
    assert after[availability] == 2  # 0.9995 < 0.9998: critical
    warn = ("tandem_signal_warn", _labels("operate.availability", "devops", "operate"))
    assert after[warn] == 0.9999


def test_unchanged_store_reuses_the_report_until_the_cache_time_ends(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    _ingested(sqlite_engine, tmp_path)
    now = [0.0]
    cache = ReportCache(sqlite_engine, ttl=15, clock=lambda: now[0])
    first = cache.report()
    now[0] = 14.9
    assert cache.report() is first
    now[0] = 15.0
    assert cache.report() is not first
