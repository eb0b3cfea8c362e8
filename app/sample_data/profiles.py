"""Baseline (non-event) behaviour of each service: CI and delivery habits, health levels.

Why separate from ``story.py``: these are the "normal days" that planted events stand out
against; keeping them apart leaves the story module a readable list of what happens when.
"""

from __future__ import annotations

from dataclasses import dataclass

from .story import CHECKOUT, DEMAND, FRAUD


@dataclass(frozen=True)
class DeliveryProfile:
    """Routine CI and deployment behaviour of one service."""

    pipelines_per_day: float  # weekdays; weekends get 35% of this
    pipeline_minutes: float
    pass_rate: float
    tests_total: tuple[int, int]  # test count at day 0 and day 89
    deploys_weekday: float
    deploys_weekend: float
    lead_median_h: float
    lead_range_h: tuple[float, float]
    failed_deploys: int
    version_base: tuple[int, int]  # (major, first minor) of service version strings


# fmt: off
DELIVERY = {
    FRAUD: DeliveryProfile(6.5, 12.0, 0.93, (640, 712), 0.75, 0.1, 8.0, (2.0, 30.0), 2, (3, 18)),
    DEMAND: DeliveryProfile(5.0, 15.0, 0.93, (410, 452), 0.6, 0.05, 9.0, (4.0, 30.0), 0, (1, 7)),
    CHECKOUT: DeliveryProfile(10.0, 8.0, 0.95, (1210, 1318), 2.4, 0.6, 3.0, (1.0, 8.0), 3, (7, 40)),
}
# fmt: on


@dataclass(frozen=True)
class HealthProfile:
    """Baseline shape of one service's 5-minute health series (and its production traffic)."""

    requests: tuple[float, float]  # trough and peak requests per 5 minutes on weekdays
    peak_hour: float
    weekend_factor: float
    error_rate: float
    p50_ms: float
    cpu: tuple[float, float]  # at zero and at full load


# Baseline error rates stay well inside a 99.9% availability SLO (app/health's default), so
# only the planted incidents burn error budget.
HEALTH = {
    FRAUD: HealthProfile((400, 1600), 15.0, 0.9, 0.0005, 42.0, (0.12, 0.55)),
    DEMAND: HealthProfile((150, 700), 11.0, 0.7, 0.0004, 78.0, (0.08, 0.45)),
    CHECKOUT: HealthProfile((3000, 12000), 16.0, 0.85, 0.0006, 62.0, (0.15, 0.62)),
}
