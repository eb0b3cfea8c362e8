"""A small health file for the exporter and alerting tests: one day, 99.95 % available."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

SYSTEM = "checkout"
START = datetime(2026, 11, 30, tzinfo=UTC)
REQUESTS, ERRORS = 10_000, 5  # per hour: availability 1 - 5 / 10,000 = 0.9995


def write_health(path: Path) -> Path:
    """24 hourly samples of SYSTEM: availability 0.9995 (ok against 0.999 / 0.995)."""
    rows = [
        "timestamp,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms,cpu_util,mem_util"
    ]
    for hour in range(24):
        at = (START + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")
        rows.append(f"{at},{REQUESTS},{ERRORS},40,120,300,0.4,0.6")
    path.write_text("\n".join(rows) + "\n")
    return path
