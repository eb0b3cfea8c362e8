"""Known series in OpenMetrics text, and the health samples they must import as.

Every 15 s "scrape" from ``START`` for ``MINUTES`` minutes, with the four
increments inside one minute all equal. That makes ``increase(x[60s])``
exact: on Prometheus 2.x the range ``[t - 60s, t]`` holds samples at both
ends (no extrapolation); on 3.x it is left-open, holds 45 s of samples and
extrapolates by 60/45, which equal increments also make exact. Counts are
therefore compared exactly; ratios and latencies (divisions inside PromQL)
to 1e-9.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

START = datetime(2025, 1, 1, tzinfo=UTC)  # far older than any head block: backfill-safe
MINUTES = 120
SCRAPE = 15
PER_MINUTE = 60 // SCRAPE
MEM_TOTAL = 8 * 2**30
# Histogram bucket upper bounds (s) and increments per scrape, per unit of load.
BUCKETS = (("0.05", 10), ("0.1", 10), ("0.25", 4), ("0.5", 1), ("1", 0))
# With that shape (cumulative 10, 20, 24, 25, 25 of 25), histogram_quantile
# interpolates linearly inside the bucket holding the rank:
# p50: rank 12.5 in (0.05, 0.1]: 0.05 + 0.05 * 2.5/10 = 0.0625 s
# p95: rank 23.75 in (0.1, 0.25]: 0.1 + 0.15 * 3.75/4 = 0.240625 s
# p99: rank 24.75 in (0.25, 0.5]: 0.25 + 0.25 * 0.75/1 = 0.4375 s
LATENCY_MS = {"latency_p50_ms": 62.5, "latency_p95_ms": 240.625, "latency_p99_ms": 437.5}


@dataclass(frozen=True)
class Minute:
    """Per-scrape increments during minute ``m`` and the gauges it ends with."""

    ok: int  # code="200"
    not_found: int  # code="404": a request, not an error
    failed: int  # code="500"
    load: int  # histogram observations, in units of BUCKETS
    cpu: tuple[float, float]  # utilisation of cpu 0 and 1
    mem: float


def minute(m: int) -> Minute:
    idle = m % 30 == 29  # no traffic at all: latency has no value (NULL), counts are 0
    return Minute(
        ok=0 if idle else 20 + 4 * (m % 7),
        not_found=0 if idle else 1,
        failed=0 if idle else m % 3,
        load=0 if idle else 1 + m % 5,
        cpu=((m % 4 + 1) / 8, (m % 2 + 1) / 4),
        mem=0.5 + (m % 10) / 40,
    )


def expected_rows() -> list[dict[str, object]]:
    """The health sample of each minute, as ``tandem import-prometheus`` must store it."""
    rows = []
    for m in range(MINUTES):
        spec = minute(m)
        requests = PER_MINUTE * (spec.ok + spec.not_found + spec.failed)
        row: dict[str, object] = {
            "timestamp": START + timedelta(minutes=m),
            "requests": requests,
            "errors": PER_MINUTE * spec.failed,
            "cpu_util": sum(spec.cpu) / 2,
            "mem_util": spec.mem,
        }
        for key, value in LATENCY_MS.items():
            row[key] = value if spec.load else None
        rows.append(row)
    return rows


def openmetrics() -> str:
    """The series as an OpenMetrics file for ``promtool tsdb create-blocks-from``."""
    times = [int(START.timestamp()) + SCRAPE * j for j in range(MINUTES * PER_MINUTE + 1)]
    # Counters start high so that Prometheus 3's extrapolation never stops at zero.
    codes = {"200": 1000, "404": 1000, "500": 1000}
    cpu = {("0", "idle"): 1e6, ("1", "idle"): 1e6, ("0", "user"): 1e5, ("1", "user"): 1e5}
    buckets = [0] * len(BUCKETS)
    observed = 0.0
    families: dict[str, list[str]] = {
        "requests": ["# TYPE http_requests counter"],
        "duration": ["# TYPE http_request_duration_seconds histogram"],
        "cpu": ["# TYPE node_cpu_seconds counter"],
        "available": ["# TYPE node_memory_MemAvailable_bytes gauge"],
        "total": ["# TYPE node_memory_MemTotal_bytes gauge"],
    }
    for j, t in enumerate(times):
        # The scrape at the end of minute m (t = START + 60(m+1)) counts in minute m.
        spec = minute((j - 1) // PER_MINUTE) if j else minute(0)
        if j:
            codes["200"] += spec.ok
            codes["404"] += spec.not_found
            codes["500"] += spec.failed
            for i, (_, per_load) in enumerate(BUCKETS):
                buckets[i] += per_load * spec.load
            observed += spec.load * 2.0
            for index, used in enumerate(spec.cpu):
                cpu[(str(index), "idle")] += SCRAPE * (1 - used)
                cpu[(str(index), "user")] += SCRAPE * used
        for code, value in codes.items():
            families["requests"].append(f'http_requests_total{{code="{code}"}} {value} {t}')
        cumulative = 0
        for (le, _), count in zip(BUCKETS, buckets, strict=True):
            cumulative += count
            families["duration"].append(
                f'http_request_duration_seconds_bucket{{le="{le}"}} {cumulative} {t}'
            )
        families["duration"] += [
            f'http_request_duration_seconds_bucket{{le="+Inf"}} {cumulative} {t}',
            f"http_request_duration_seconds_count {cumulative} {t}",
            f"http_request_duration_seconds_sum {observed} {t}",
        ]
        for (index, mode), value in cpu.items():
            families["cpu"].append(
                f'node_cpu_seconds_total{{cpu="{index}",mode="{mode}"}} {value} {t}'
            )
        families["available"].append(
            f"node_memory_MemAvailable_bytes {MEM_TOTAL * (1 - spec.mem)} {t}"
        )
        families["total"].append(f"node_memory_MemTotal_bytes {MEM_TOTAL} {t}")
    lines = [line for family in families.values() for line in family]
    return "\n".join([*lines, "# EOF", ""])
