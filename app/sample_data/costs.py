"""What the three systems cost: run costs, daily bills (kind ``costs``) and monthly budgets.

* Training: each run is billed by the hour it ran on its nodes (``compute_hours`` = hours x
  nodes), in EUR. Until October every system trains on CPU nodes. From October fraud-scoring
  trains on a GPU cluster and retrains three times in four weeks (the drift retrain of v3 on
  day 62, v4's code change on day 73, the v5 sweep on day 85): the retraining spree, about
  EUR 520 of training in the last 30 days against EUR 60 in a usual month.
* Serving and storage: one bill a day per system. fraud-scoring's scoring endpoint costs about
  EUR 0.77 per 1,000 logged predictions, demand-forecast's EUR 0.6; checkout-api (no model) pays
  for its web hosting.
* Budgets (``budgets.csv``, set by ``tandem seed`` through the audited budget path): monthly
  EUR 250 for fraud-scoring (a usual month spends about 26 %; the spree's 30 days about 226 %:
  critical), EUR 100 for demand-forecast, EUR 1,500 for checkout-api (both under 90 %: ok).

Training bills are not sent: the runs' own costs stand for them (``app.store.queries.costs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import rng_for, to_datetime
from .story import CHECKOUT, DAYS, DEMAND, FRAUD, SYSTEMS, at

CURRENCY = "EUR"
SPREE_FROM = pd.Timestamp("2026-10-01T00:00:00+00:00")
# (nodes, EUR per node-hour) of each system's training: CPU nodes, and fraud's GPU cluster.
CPU = {FRAUD: (4, 1.0), DEMAND: (2, 1.5)}
GPU = (8, 7.5)
# EUR per day: (serving, storage).
DAILY = {FRAUD: (0.75, 1.0), DEMAND: (0.22, 0.5), CHECKOUT: (40.0, 2.0)}
BUDGETS = {FRAUD: 250.0, DEMAND: 100.0, CHECKOUT: 1500.0}


def with_run_costs(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with ``cost``, ``currency`` and ``compute_hours`` (runs without an end: none)."""
    started = pd.to_datetime(runs["started_at"], utc=True)
    hours = (pd.to_datetime(runs["finished_at"], utc=True) - started).dt.total_seconds() / 3600
    spree = (runs["system"] == FRAUD) & (started >= SPREE_FROM)
    nodes = runs["system"].map(lambda s: CPU[s][0]).where(~spree, GPU[0])
    rate = runs["system"].map(lambda s: CPU[s][1]).where(~spree, GPU[1])
    compute = (hours * nodes).round(2)
    out = runs.copy()
    out["cost"] = (compute * rate).round(2)
    out["currency"] = compute.notna().map({True: CURRENCY, False: None})
    out["compute_hours"] = compute
    return out


def build_costs() -> pd.DataFrame:
    """Daily serving and storage bills of the three systems over the 90 days."""
    frames = []
    for system in SYSTEMS:
        serving, storage = DAILY[system]
        noise = 1 + 0.03 * rng_for("costs", system).standard_normal(DAYS)
        days = to_datetime([at(day) for day in range(DAYS)])
        for category, amounts in (
            ("serving", serving * noise),
            ("storage", np.full(DAYS, storage)),
        ):
            frames.append(
                pd.DataFrame(
                    {
                        "system": system,
                        "date": days,
                        "category": category,
                        "amount": np.round(amounts, 2),
                        "currency": CURRENCY,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True).sort_values(["system", "date"], kind="stable")


def build_budgets() -> pd.DataFrame:
    """Each system's monthly budget (``tandem seed`` saves them as a user would)."""
    return pd.DataFrame(
        {"system": list(BUDGETS), "amount": list(BUDGETS.values()), "currency": CURRENCY}
    )
