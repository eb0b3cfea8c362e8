"""Lifecycle health: the signal catalogue, thresholds, evaluation and the status report.

The public API is re-exported here; the submodules are implementation.
"""

from app.health.catalog import LANES, SIGNALS, SIGNALS_BY_KEY, STAGES, SignalDef, format_value
from app.health.devops import DEFAULT_AVAILABILITY_SLO, availability_slo
from app.health.report import (
    LaneStatus,
    SignalValue,
    StageStatus,
    StatusReport,
    SystemStatus,
    build_status,
    format_table,
)
from app.health.status import Status, evaluate, worst
from app.health.thresholds import ThresholdSpec, default_thresholds, effective_thresholds
from app.health.window import Window, default_window

__all__ = [
    "DEFAULT_AVAILABILITY_SLO",
    "LANES",
    "SIGNALS",
    "SIGNALS_BY_KEY",
    "STAGES",
    "LaneStatus",
    "SignalDef",
    "SignalValue",
    "StageStatus",
    "Status",
    "StatusReport",
    "SystemStatus",
    "ThresholdSpec",
    "Window",
    "availability_slo",
    "build_status",
    "default_thresholds",
    "default_window",
    "effective_thresholds",
    "evaluate",
    "format_table",
    "format_value",
    "worst",
]
