"""Five-minute service health series (requests, errors, latency percentiles, CPU, memory).

Why incidents drive it: the health view should show each planted incident as a visible spike in
errors and latency at the time the incident says, so effects come from the story's incident plans
rather than random spikes.  Memory is a slow sawtooth reset by service deployments (restarts), so
a service that stops deploying (demand-forecast) creeps upward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import diurnal, rng_for, to_datetime
from .profiles import HEALTH
from .story import DAY, DAYS, END, HOUR, INCIDENTS, MINUTE, START, SYSTEMS

INTERVAL = 5 * MINUTE
ONSET_BEFORE_OPEN = 15 * MINUTE  # incidents are opened a little after users notice


def _effects(
    system: str, ts: np.ndarray, load: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-interval overrides from incidents: (active, error rate, latency mult, pinned cpu)."""
    active = np.zeros(len(ts), dtype=bool)
    error_rate = np.zeros(len(ts))
    latency = np.ones(len(ts))
    cpu = np.full(len(ts), np.nan)
    for plan in INCIDENTS:
        if plan.system != system:
            continue
        for effect in plan.effects:
            start = effect.start if effect.start is not None else plan.opened_at - ONSET_BEFORE_OPEN
            end = effect.end if effect.end is not None else plan.resolved_at or END
            mask = (ts >= start) & (ts < end) & (load >= effect.min_load)
            active |= mask
            error_rate[mask] = effect.error_rate
            latency[mask] = effect.latency_mult
            if effect.cpu is not None:
                cpu[mask] = effect.cpu
    return active, error_rate, latency, cpu


def _memory(rng: np.random.Generator, ts: np.ndarray, restarts: np.ndarray) -> np.ndarray:
    """Slow leak since the last restart (service deployment), capped, with a little noise."""
    restart_points = np.concatenate([[START - 6 * HOUR], np.sort(restarts)])
    last = restart_points[np.searchsorted(restart_points, ts, side="right") - 1]
    leak = np.minimum(0.0004 * (ts - last) / HOUR, 0.42)
    return np.clip(0.41 + leak + rng.normal(0.0, 0.01, len(ts)), 0.05, 0.97)


def system_health(system: str, restarts: np.ndarray) -> pd.DataFrame:
    """The 25,920 five-minute rows of one system."""
    profile = HEALTH[system]
    rng = rng_for("health", system)
    ts = START + np.arange(DAYS * DAY // INTERVAL, dtype=np.int64) * INTERVAL
    n = len(ts)
    load = diurnal(ts, profile.peak_hour)
    weekend = np.where((ts // DAY + 3) % 7 >= 5, profile.weekend_factor, 1.0)
    growth = 1.0 + 0.06 * (ts - START) / (END - START)
    low, high = profile.requests
    expected = (low + (high - low) * load) * weekend * growth * rng.lognormal(0.0, 0.05, n)
    requests = rng.poisson(expected).astype(np.int64)

    error_rate = profile.error_rate * (0.7 + 0.6 * load) * rng.lognormal(0.0, 0.25, n)
    p50 = profile.p50_ms * (1.0 + 0.25 * load) * rng.lognormal(0.0, 0.04, n)
    ratio95 = 2.6 * rng.lognormal(0.0, 0.05, n)
    ratio99 = 1.7 * rng.lognormal(0.0, 0.06, n)
    cpu_low, cpu_high = profile.cpu
    cpu = cpu_low + (cpu_high - cpu_low) * requests / high + rng.normal(0.0, 0.02, n)

    active, bad_rate, latency, pinned = _effects(system, ts, load)
    error_rate = np.where(active, bad_rate * rng.lognormal(0.0, 0.15, n), error_rate)
    p50 = p50 * latency
    ratio99 = np.where(active, ratio99 * 1.25, ratio99)
    cpu = np.where(np.isnan(pinned), cpu, pinned + rng.normal(0.0, 0.02, n))

    errors = rng.binomial(requests, np.clip(error_rate, 0.0, 1.0)).astype(np.int64)
    p95 = p50 * ratio95
    return pd.DataFrame(
        {
            "system": system,
            "timestamp": to_datetime(ts),
            "requests": requests,
            "errors": errors,
            "latency_p50_ms": np.round(p50, 1),
            "latency_p95_ms": np.round(p95, 1),
            "latency_p99_ms": np.round(p95 * ratio99, 1),
            "cpu_util": np.round(np.clip(cpu, 0.01, 0.99), 3),
            "mem_util": np.round(_memory(rng, ts, restarts), 3),
        }
    )


def build_health(deployments: pd.DataFrame) -> pd.DataFrame:
    """Health rows of every system; service deployments that reached production restart pods."""
    frames = []
    for system in SYSTEMS:
        live = deployments[
            (deployments["system"] == system)
            & (deployments["kind"] == "service")
            & (deployments["environment"] == "production")
            & (deployments["status"] != "failed")
        ]
        restarts = np.array([int(t.timestamp()) for t in live["deployed_at"]], dtype=np.int64)
        frames.append(system_health(system, restarts))
    return pd.concat(frames, ignore_index=True)
