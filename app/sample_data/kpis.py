"""Business KPI series (kind ``kpis``): one daily number per system that a manager watches.

* checkout-api, ``conversion_rate``: orders / sessions, a little higher at weekends; from the
  "bad-release" deployment (day 86, 13:40) to the end, with the sev1 still open, checkout fails
  for many users and conversion falls to 40 % of its level.
* fraud-scoring, ``fraud_losses``: chargebacks paid per day (EUR); while the badly calibrated
  v4 served (day 75 08:00 until v3 was restored on day 76 02:00) fraud got through at five times
  the usual rate.
* demand-forecast, ``stockouts``: items out of stock per day across stores; on the promotion day
  (day 89), when the forecast's error rises, stock-outs are three and a half times the usual.

Noise is small (a few per cent a day) so that the planted changes, not chance, decide
``impact.kpi_change``: over the default 30-day window each system's KPI is about 6-10 % worse
than the 30 days before (warn), and a window of a few days around an event reads critical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import rng_for, to_datetime, weekday
from .story import (
    CHECKOUT,
    DAY,
    DAYS,
    DEMAND,
    DEMAND_PROMO_AT,
    DEMAND_PROMO_UNTIL,
    FRAUD,
    MODEL_DEPLOYS,
    SERVICE_DEPLOYS,
    at,
)

CONVERSION = 0.031
WEEKEND_CONVERSION = 1.08
BROKEN_CONVERSION = 0.4  # share of the usual conversion while checkout is broken
LOSSES_EUR = 12_000.0
BAD_MODEL_LOSSES = 5.0  # fraud losses per hour while v4 served, relative to usual
STOCKOUTS = 40.0
PROMO_STOCKOUTS = 3.5


def _overlap(day: int, start: int, end: int) -> float:
    """Share of story ``day`` inside ``[start, end)``."""
    first, last = at(day), at(day) + DAY
    return max(0, min(end, last) - max(start, first)) / DAY


def _bad_release() -> tuple[int, int]:
    deployed = next(d.deployed_at for d in SERVICE_DEPLOYS if d.tag == "bad-release")
    return deployed, at(DAYS)


def _bad_model() -> tuple[int, int]:
    v4 = next(d for d in MODEL_DEPLOYS if d.system == FRAUD and d.tag == "fraud-v4")
    restored = next(d for d in MODEL_DEPLOYS if d.tag == "fraud-v3-restore")
    return v4.deployed_at, restored.deployed_at


def _frame(system: str, name: str, values: np.ndarray, unit: str, direction: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "system": system,
            "timestamp": to_datetime([at(day) for day in range(DAYS)]),
            "name": name,
            "value": values,
            "unit": unit,
            "direction": direction,
        }
    )


def build_kpis() -> pd.DataFrame:
    """The three systems' daily KPI values over the 90 days, one row per system and day."""
    days = range(DAYS)
    noise = {s: 1 + 0.02 * rng_for("kpis", s).standard_normal(DAYS) for s in (CHECKOUT, FRAUD)}
    broken = [_overlap(day, *_bad_release()) for day in days]
    conversion = np.array(
        [
            CONVERSION
            * (WEEKEND_CONVERSION if weekday(day) >= 5 else 1.0)
            * (1 - share * (1 - BROKEN_CONVERSION))
            for day, share in zip(days, broken, strict=True)
        ]
    )
    bad = [_overlap(day, *_bad_model()) for day in days]
    losses = np.array([LOSSES_EUR * (1 + share * (BAD_MODEL_LOSSES - 1)) for share in bad])
    promo = [_overlap(day, DEMAND_PROMO_AT, DEMAND_PROMO_UNTIL) for day in days]
    stockouts_noise = 1 + 0.04 * rng_for("kpis", DEMAND).standard_normal(DAYS)
    stockouts = (
        np.array([STOCKOUTS * (1 + share * (PROMO_STOCKOUTS - 1)) for share in promo])
        * stockouts_noise
    )
    return pd.concat(
        [
            _frame(
                CHECKOUT,
                "conversion_rate",
                np.round(conversion * noise[CHECKOUT], 5),
                "ratio",
                "higher_is_better",
            ),
            _frame(
                FRAUD, "fraud_losses", np.round(losses * noise[FRAUD], 2), "EUR", "lower_is_better"
            ),  # fmt: skip
            _frame(DEMAND, "stockouts", np.round(stockouts), "count", "lower_is_better"),
        ],
        ignore_index=True,
    )
