"""The rules a threshold's bounds must keep: a finite number each, inside the signal's
domain, warn on the safe side of critical (or equal: no warn band).

Pure functions of the catalogue, shared by every edit path
(:mod:`app.health.threshold_edits`) and by the forms that check before saving.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from app.health.catalog import SIGNALS_BY_KEY, SignalDef

# The range a bound may take, by unit; some ratios are not shares and get their own.
_UNIT_DOMAINS: Final[dict[str, tuple[float, float]]] = {
    "ratio": (0.0, 1.0),
    "count": (0.0, math.inf),
    "min": (0.0, math.inf),
    "h": (0.0, math.inf),
    "d": (0.0, math.inf),
    "ms": (0.0, math.inf),
    "per_day": (0.0, math.inf),
    "amount": (0.0, math.inf),  # money, in the system's own currency
}
_SIGNAL_DOMAINS: Final[dict[str, tuple[float, float]]] = {
    # Values go negative once the budget is overspent; a bound below -1 (twice the
    # budget spent) says nothing a bound of -1 does not.
    "operate.error_budget_remaining": (-1.0, 1.0),
    # live / validation metric: above 1 means better than validated.
    "validate.champion_vs_baseline": (0.0, 2.0),
    "monitor.performance_ratio": (0.0, 2.0),
    # a relative gap; negative when the test metric beats the train metric.
    "train.overfit_gap": (-1.0, 1.0),
    # a relative change, negative when the KPI got worse; -1 is "fell to nothing".
    "impact.kpi_change": (-1.0, 1.0),
    # value per prediction / the reference's: above 1 brings in more than promised.
    "impact.value_ratio": (0.0, 2.0),
    # spend / budget: a bound above 1 (alert only once overspent by a margin) is a choice.
    "cost.month_to_date_vs_budget": (0.0, 10.0),
}


def definition(signal: str) -> SignalDef:
    """The catalogue's ``signal``; ``LookupError`` naming the command that lists them."""
    try:
        return SIGNALS_BY_KEY[signal]
    except KeyError:
        raise LookupError(f"unknown signal {signal!r} (see `tandem thresholds list`)") from None


def domain(signal: str) -> tuple[float, float]:
    """The closed range ``[low, high]`` the signal's bounds may take."""
    return _SIGNAL_DOMAINS.get(signal, _UNIT_DOMAINS[definition(signal).unit])


class ThresholdValidationError(ValueError):
    """The bounds break a rule; ``problems`` lists each one as a sentence."""

    def __init__(self, signal: str, problems: Sequence[str]) -> None:
        self.signal = signal
        self.problems = tuple(problems)
        super().__init__(f"{signal}: " + "; ".join(self.problems))


def validation_problems(signal: str, warn: float, critical: float) -> list[str]:
    """Every rule ``warn``/``critical`` break for ``signal``, as sentences (empty: valid)."""
    signal_def = definition(signal)
    problems = []
    for name, value in (("warn", warn), ("critical", critical)):
        if value is None or not math.isfinite(value):
            problems.append(f"{name} must be a finite number")
    if problems:
        return problems
    low, high = domain(signal)
    for name, value in (("warn", warn), ("critical", critical)):
        if not low <= value <= high:
            problems.append(f"{name} {value:g} is outside {_range_text(low, high)}")
    if signal_def.direction == "higher_is_better" and warn < critical:
        problems.append(f"higher is better, so warn ({warn:g}) must be ≥ critical ({critical:g})")
    if signal_def.direction == "lower_is_better" and warn > critical:
        problems.append(f"lower is better, so warn ({warn:g}) must be ≤ critical ({critical:g})")
    return problems


def validate(signal: str, warn: float, critical: float) -> None:
    """Raise ``ThresholdValidationError`` listing every broken rule."""
    problems = validation_problems(signal, warn, critical)
    if problems:
        raise ThresholdValidationError(signal, problems)


def _range_text(low: float, high: float) -> str:
    if math.isinf(high):
        return f"the signal's range (≥ {low:g})"
    return f"the signal's range ({low:g} … {high:g})"
