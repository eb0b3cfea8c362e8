"""Health statuses and the one implementation of "is this healthy".

Conventions:

* A value breaches a bound when it is *strictly* worse than it: for
  ``higher_is_better`` that is ``value < bound``, for ``lower_is_better``
  ``value > bound``. A value equal to the bound is not a breach. Critical is
  checked first.
* No value (``None`` or NaN) is ``unknown``, never ``ok``.
* Aggregation (signal → stage → lane → system) takes the worst *known*
  status, critical > warn > ok; the result is ``unknown`` only when every
  part is unknown. (Ranking unknown above ok would turn almost every tile grey
  as soon as one optional signal has no data.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Sort key for "worst first" lists: critical 3 > warn 2 > unknown 1 > ok 0."""
        return _RANK[self]


_RANK = {Status.OK: 0, Status.UNKNOWN: 1, Status.WARN: 2, Status.CRITICAL: 3}


class Bounds(Protocol):
    """Anything with a direction and warn/critical bounds (e.g. ``ThresholdSpec``)."""

    @property
    def direction(self) -> str: ...
    @property
    def warn(self) -> float: ...
    @property
    def critical(self) -> float: ...


def breaches(value: float, bound: float, direction: str) -> bool:
    """Whether ``value`` is strictly worse than ``bound`` in ``direction``."""
    if direction == "higher_is_better":
        return value < bound
    if direction == "lower_is_better":
        return value > bound
    raise ValueError(f"unknown direction {direction!r}")


def evaluate(value: float | None, threshold: Bounds) -> Status:
    """The status of one signal value against its threshold (critical checked first)."""
    if value is None or math.isnan(value):
        return Status.UNKNOWN
    if breaches(value, threshold.critical, threshold.direction):
        return Status.CRITICAL
    if breaches(value, threshold.warn, threshold.direction):
        return Status.WARN
    return Status.OK


def worst(statuses: Iterable[Status]) -> Status:
    """The worst known status (critical > warn > ok); unknown if all are unknown or none given."""
    known = [s for s in statuses if s is not Status.UNKNOWN]
    if not known:
        return Status.UNKNOWN
    return max(known, key=lambda s: s.rank)
