"""Which runs the Experiments page shows: system, time range, filters, a metric condition.

``RunQuery`` narrows any select over ``training_runs`` so that filtering
happens in SQL; the metric condition (``test_auc > 0.9``) is parsed here.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from app.store.models import RunMetric, System, TrainingRun

__all__ = ["OPERATORS", "MetricCondition", "RunQuery", "parse_condition"]

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "=": operator.eq,
}
_CONDITION = re.compile(r"^\s*([\w.\-/]+)\s*(>=|<=|!=|==|=|>|<)\s*([-+\w.]+)\s*$")


@dataclass(frozen=True)
class MetricCondition:
    """A filter on a run's final metric, such as ``test_auc > 0.9``."""

    key: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.value:g}"


def parse_condition(text: str) -> MetricCondition | None:
    """``"test_auc > 0.9"`` → a condition; ``""`` → None; anything else raises ValueError."""
    if not text.strip():
        return None
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(f"expected METRIC OP NUMBER such as 'test_auc > 0.9', got {text!r}")
    key, op, raw = match.groups()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return MetricCondition(key, op, value)


@dataclass(frozen=True)
class RunQuery:
    """Which runs: a system (None = all), a start-time range and the page's filters."""

    system: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    experiments: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    condition: MetricCondition | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        """``query`` (which selects from training_runs) narrowed to these runs."""
        if self.system is not None:
            ids = select(System.id).where(System.name == self.system)
            query = query.where(TrainingRun.system_id.in_(ids))
        if self.since is not None:
            query = query.where(TrainingRun.started_at >= self.since)
        if self.until is not None:
            query = query.where(TrainingRun.started_at < self.until)
        if self.experiments:
            query = query.where(TrainingRun.experiment.in_(self.experiments))
        if self.statuses:
            query = query.where(TrainingRun.status.in_(self.statuses))
        if self.triggers:
            query = query.where(TrainingRun.trigger.in_(self.triggers))
        if self.condition is not None:
            compare = OPERATORS[self.condition.op]
            matching = select(RunMetric.run_pk).where(
                RunMetric.key == self.condition.key,
                compare(RunMetric.value, self.condition.value),
            )
            query = query.where(TrainingRun.id.in_(matching))
        return query

    def unfiltered(self) -> RunQuery:
        """The same system and range without the page's filters (for the filter options)."""
        return RunQuery(self.system, self.since, self.until)
