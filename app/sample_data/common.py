"""Small helpers shared by the generator modules.

Why: every table needs reproducible randomness, stable IDs and the same time conversions.  Each
component gets its own RNG derived from (SEED, component name) instead of sharing one global
stream, so changing one table's draws never reshuffles the others and diffs stay local.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .story import DAY, DAYS, SEED, START, at


def _digest(keys: Iterable[object]) -> bytes:
    return hashlib.sha256("/".join(str(k) for k in keys).encode()).digest()


def rng_for(*keys: object) -> np.random.Generator:
    """An independent, reproducible random stream for one component of the data."""
    return np.random.default_rng([SEED, int.from_bytes(_digest(keys)[:8], "little")])


def stable_hex(length: int, *keys: object) -> str:
    """Deterministic hex ID (commit SHAs are 40 chars, MLflow run IDs 32)."""
    return _digest((SEED, *keys)).hex()[:length]


def weekday(day: int) -> int:
    """Weekday (Monday = 0) of story ``day``."""
    return int((START // DAY + day + 3) % 7)  # 1970-01-01 was a Thursday


def to_datetime(seconds: Iterable[int | None] | np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds (None allowed) -> tz-aware UTC datetimes; None becomes NaT.

    Returns an index (not a Series) so assigning it to a sorted frame is positional.
    """
    items = list(seconds)
    if any(v is None or v != v for v in items):  # None / NaN: go through float, exact for ints
        values = np.array([np.nan if v is None else v for v in items], dtype="float64")
        return pd.DatetimeIndex(pd.to_datetime(values, unit="s", utc=True)).floor("s")
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(items, dtype=np.int64), unit="s", utc=True))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def diurnal(seconds: np.ndarray, peak_hour: float) -> np.ndarray:
    """Load in 0..1 over the day, 1 at ``peak_hour`` UTC and 0 twelve hours later."""
    hours = (seconds % DAY) / 3600.0
    return 0.5 + 0.5 * np.cos(2 * np.pi * (hours - peak_hour) / 24.0)


def sample_times(
    rng: np.random.Generator, per_day: float, peak_hour: float, weekend_factor: float
) -> np.ndarray:
    """Event times over the 90 days: Poisson count per day, diurnal time of day, 1 s precision."""
    minutes = np.arange(24 * 60)
    weights = 0.35 + diurnal(minutes * 60, peak_hour)
    p = weights / weights.sum()
    chunks = []
    for day in range(DAYS):
        factor = weekend_factor if weekday(day) >= 5 else 1.0
        n = int(rng.poisson(per_day * factor))
        offsets = rng.choice(minutes, size=n, p=p) * 60 + rng.integers(0, 60, size=n)
        chunks.append(at(day) + np.sort(offsets))
    return np.concatenate(chunks).astype(np.int64)
