"""``tandem exporter``: every signal's verdict as Prometheus gauges.

Each scrape reads the store through ``app.health.build_status``, the same
evaluation as ``tandem status`` (its default window: the 30 days ending at the
newest data point), so the exporter never has its own idea of "healthy".

Gauges, labelled ``system``, ``lane``, ``stage``, ``signal``:

* ``tandem_signal_value``: the value in the signal's unit (no sample when unknown);
* ``tandem_signal_status``: 0 ok, 1 warn, 2 critical, -1 unknown;
* ``tandem_signal_warn`` / ``tandem_signal_critical``: the bounds in force;

plus ``tandem_system_status{system}`` (the worst known status, same codes).

Cache: a report is reused for at most :data:`CACHE_SECONDS` and only while
the store's data version (ingests and threshold edits) is unchanged, so a
threshold saved in the page shows up on the very next scrape while a scrape
of an unchanged store costs one small query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector, CollectorRegistry

from app.health.status import Status

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from sqlalchemy import Engine

    from app.health.report import StatusReport

logger = logging.getLogger(__name__)

CACHE_SECONDS = 15.0
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9464
STATUS_CODES = {Status.OK: 0, Status.WARN: 1, Status.CRITICAL: 2, Status.UNKNOWN: -1}
LABELS = ("system", "lane", "stage", "signal")


class ReportCache:
    """The status report, rebuilt when the data version moves or after ``ttl`` seconds."""

    def __init__(
        self,
        engine: Engine | None = None,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entry: tuple[float, object, StatusReport] | None = None

    def report(self) -> StatusReport:
        from app.health import build_status
        from app.store.queries import data_version

        with self._lock:  # one build at a time; concurrent scrapes share it
            version = data_version(self._engine)
            now = self._clock()
            if self._entry is not None:
                built, seen, cached = self._entry
                if seen == version and now - built < self._ttl:
                    return cached
            report = build_status(self._engine)
            self._entry = (now, version, report)
            return report


class StatusCollector(Collector):
    """A prometheus-client collector that turns one status report into gauges."""

    def __init__(self, cache: ReportCache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[GaugeMetricFamily]:
        report = self._cache.report()
        value = GaugeMetricFamily(
            "tandem_signal_value", "Signal value in its unit (tandem status).", labels=LABELS
        )
        status = GaugeMetricFamily(
            "tandem_signal_status",
            "Signal status: 0 ok, 1 warn, 2 critical, -1 unknown.",
            labels=LABELS,
        )
        warn = GaugeMetricFamily("tandem_signal_warn", "Warn bound in force.", labels=LABELS)
        critical = GaugeMetricFamily(
            "tandem_signal_critical", "Critical bound in force.", labels=LABELS
        )
        system_status = GaugeMetricFamily(
            "tandem_system_status",
            "Worst known signal status of the system: 0 ok, 1 warn, 2 critical, -1 unknown.",
            labels=("system",),
        )
        for system in report.systems:
            system_status.add_metric([system.system], STATUS_CODES[system.status])
            for lane in system.lanes.values():
                for stage in lane.stages.values():
                    for signal in stage.signals:
                        labels = [system.system, lane.lane, stage.stage, signal.key]
                        if signal.status is not Status.UNKNOWN and signal.value is not None:
                            value.add_metric(labels, signal.value)
                        status.add_metric(labels, STATUS_CODES[signal.status])
                        warn.add_metric(labels, signal.warn)
                        critical.add_metric(labels, signal.critical)
        yield from (value, status, warn, critical, system_status)


def registry(cache: ReportCache) -> CollectorRegistry:
    """A registry holding only Tandem's gauges (no process or Python metrics)."""
    result = CollectorRegistry(auto_describe=False)
    result.register(StatusCollector(cache))
    return result


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        logger.debug("%s " + format, self.address_string(), *args)


def metrics_app(cache: ReportCache) -> WSGIApplication:
    """The WSGI app: ``/metrics`` (OpenMetrics when the scraper asks for it), 404 elsewhere."""
    metrics = make_wsgi_app(registry(cache))

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        if environ.get("PATH_INFO") == "/metrics":
            return list(metrics(environ, start_response))
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Tandem's exporter serves /metrics\n"]

    return app


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    engine: Engine | None = None,
    ttl: float = CACHE_SECONDS,
) -> None:
    """Serve ``/metrics`` on ``host:port`` until interrupted (one thread per request)."""
    app = metrics_app(ReportCache(engine, ttl))
    with make_server(host, port, app, ThreadingWSGIServer, handler_class=_QuietHandler) as httpd:
        logger.info("serving http://%s:%d/metrics", host, port)
        httpd.serve_forever()
