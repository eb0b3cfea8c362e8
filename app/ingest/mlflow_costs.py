"""A run's cost as an MLflow store records it, by Tandem's convention.

MLflow has no cost field, so Tandem reads three keys a training script logs:

- ``tandem.cost``: what the run cost, a metric (``mlflow.log_metric``) or a tag;
- ``tandem.currency``: its ISO 4217 code, a tag (metrics are numbers);
- ``tandem.compute_hours``: the compute it used, a metric or a tag.

A metric wins over a tag of the same key. The values are checked as file
ingest checks a runs file's ``cost``, ``currency`` and ``compute_hours``
(:func:`cost_problem`): a number ≥ 0, three letters, a currency with any cost.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

__all__ = ["COMPUTE_KEY", "COST_KEY", "CURRENCY_KEY", "cost_problem", "run_costs"]

COST_KEY = "tandem.cost"
CURRENCY_KEY = "tandem.currency"
COMPUTE_KEY = "tandem.compute_hours"
_CURRENCY = re.compile(r"[A-Z]{3}")


def run_costs(metrics: Mapping[str, float], tags: Mapping[str, str]) -> dict[str, object]:
    """``cost``, ``currency``, ``compute_hours`` of one run (None when not logged).

    A tag that is not a number is kept as its text, for :func:`cost_problem` to refuse.
    """
    currency = tags.get(CURRENCY_KEY)
    return {
        "cost": _number(metrics, tags, COST_KEY),
        "currency": currency.strip().upper() if currency is not None else None,
        "compute_hours": _number(metrics, tags, COMPUTE_KEY),
    }


def _number(metrics: Mapping[str, float], tags: Mapping[str, str], key: str) -> object:
    value = metrics.get(key)
    if value is not None and not math.isnan(value):
        return float(value)
    text = tags.get(key)
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return text


def cost_problem(cost: object, currency: object, compute_hours: object) -> str | None:
    """What is wrong with one run's cost fields, or None (as in ``tandem ingest runs``)."""
    for key, value in ((COST_KEY, cost), (COMPUTE_KEY, compute_hours)):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if not isinstance(value, float) or not math.isfinite(value) or value < 0:
            return f"{key}: expected a finite number ≥ 0, got {str(value)[:80]!r}"
    if isinstance(currency, str) and not _CURRENCY.fullmatch(currency):
        return f"{CURRENCY_KEY}: expected a three-letter ISO 4217 code, got {currency[:80]!r}"
    has_cost = isinstance(cost, float) and not math.isnan(cost)
    if has_cost and not isinstance(currency, str):
        return f"{CURRENCY_KEY}: expected a currency tag with {COST_KEY}, got none"
    return None
