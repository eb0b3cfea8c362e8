"""The status report: every system's lanes, stages and signals, evaluated.

``build_status`` is the one place that turns data into statuses; the CLI's
``tandem status``/``tandem check`` and the overview page all call it.

Aggregation convention (see ``status.worst``): a stage is the worst of its
*known* signals (critical > warn > ok) and unknown only when all of its
signals are unknown; lanes aggregate stages and systems aggregate lanes the
same way. A system without a model keeps an MLOps lane whose stages are all
unknown, and says ``has_model: false``; its DevOps and Impact lanes are
evaluated as any system's. A stage with no signal in the catalogue is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.health.catalog import (
    LANES,
    SIGNALS_BY_KEY,
    STAGES,
    canonical_key,
    format_value,
    signals_for,
)
from app.health.cost import cost_signals
from app.health.devops import devops_signals
from app.health.impact import impact_signals
from app.health.mlops import mlops_signals
from app.health.monitoring import drift_notes
from app.health.status import Status, evaluate, worst
from app.health.thresholds import ThresholdSpec, effective_thresholds_for
from app.health.window import Window, as_utc, default_window, newest_data_point
from app.store.db import get_engine, session_scope
from app.store.models import System
from app.store.types import utc_now


@dataclass(frozen=True)
class SignalValue:
    key: str
    value: float | None
    status: Status
    unit: str
    direction: str
    warn: float
    critical: float
    # What the value is when it is not what the name says (e.g. an approximation).
    note: str | None = None

    @property
    def label(self) -> str:
        return SIGNALS_BY_KEY[self.key].label

    @property
    def display(self) -> str:
        """The value in its unit, e.g. "97.2 %"; an em dash when unknown."""
        return format_value(self.key, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "status": self.status.value,
            "warn": self.warn,
            "critical": self.critical,
            "direction": self.direction,
            **({"note": self.note} if self.note is not None else {}),
        }


@dataclass(frozen=True)
class StageStatus:
    stage: str
    status: Status
    signals: tuple[SignalValue, ...]  # catalogue order

    @property
    def label(self) -> str:
        return next(stages[self.stage] for stages in STAGES.values() if self.stage in stages)

    @property
    def worst_signal(self) -> SignalValue:
        """The signal that decided the stage's status (the first in catalogue order on ties)."""
        return next(s for s in self.signals if s.status is self.status)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "signals": [s.to_dict() for s in self.signals]}


@dataclass(frozen=True)
class LaneStatus:
    lane: str
    status: Status
    stages: Mapping[str, StageStatus]  # by stage key, in lifecycle order

    @property
    def label(self) -> str:
        return LANES[self.lane]

    def stage(self, name: str) -> StageStatus:
        return self.stages[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "stages": {key: stage.to_dict() for key, stage in self.stages.items()},
        }


@dataclass(frozen=True)
class SystemStatus:
    system: str
    status: Status
    has_model: bool
    lanes: Mapping[str, LaneStatus]  # "devops", "mlops", "impact"

    def lane(self, name: str) -> LaneStatus:
        return self.lanes[name]

    def signal(self, key: str) -> SignalValue:
        """The signal ``key`` (a renamed key's old name finds its new one)."""
        key = canonical_key(key)
        definition = SIGNALS_BY_KEY[key]
        stage = self.lanes[definition.lane].stages[definition.stage]
        return next(s for s in stage.signals if s.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "status": self.status.value,
            "has_model": self.has_model,
            "lanes": {key: lane.to_dict() for key, lane in self.lanes.items()},
        }


@dataclass(frozen=True)
class StatusReport:
    window: Window
    systems: tuple[SystemStatus, ...]

    def system(self, name: str) -> SystemStatus:
        return next(s for s in self.systems if s.system == name)

    def to_dict(self) -> dict[str, Any]:
        """Exactly ``tandem status --format json`` (DESIGN.md), plus ``has_model``."""
        return {"window": self.window.to_dict(), "systems": [s.to_dict() for s in self.systems]}


def build_status(
    engine: Engine | None = None,
    system: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StatusReport:
    """Evaluate every signal of ``system`` (default: all systems, by name) in a window.

    Without ``since``/``until`` the window is the 30 days ending at the newest
    data point of the chosen systems (of now, when there is no data at all);
    with only one of them the other follows from the 30-day default.
    Raises ``LookupError`` for an unknown system name.
    """
    with session_scope(engine or get_engine()) as session:
        query = select(System.id, System.name).order_by(System.name)
        if system is not None:
            query = query.where(System.name == system)
        systems = {row.id: row.name for row in session.execute(query)}
        if system is not None and not systems:
            known = ", ".join(session.scalars(select(System.name).order_by(System.name)))
            raise LookupError(f"no system named {system!r} (known systems: {known or 'none'})")
        names = list(systems.values()) if system is not None else None
        window = _resolve_window(session, names, since, until)
        thresholds = effective_thresholds_for(session, systems.values())
        notes: dict[int, dict[str, str]] = {}
        devops = devops_signals(session, systems, window, notes=notes)
        drift_alert = {i: thresholds[n]["monitor.drift_share"].warn for i, n in systems.items()}
        mlops, with_model = mlops_signals(session, systems, window, drift_alert)
        for system_id, note in drift_notes(session, with_model, window).items():
            notes.setdefault(system_id, {})["monitor.drift_share"] = note
        impact = impact_signals(session, systems, window)
        costs = cost_signals(session, systems, window, notes=notes)

    return StatusReport(
        window=window,
        systems=tuple(
            _system_status(
                name,
                i in with_model,
                devops[i] | mlops[i] | impact[i] | costs[i],
                thresholds[name],
                notes.get(i, {}),
            )
            for i, name in systems.items()
        ),
    )


def _resolve_window(
    session: Session, names: list[str] | None, since: datetime | None, until: datetime | None
) -> Window:
    if since is not None and until is not None:
        return Window(since, until)
    if until is not None:
        return Window.ending(until)
    default = default_window(session, names) or Window.ending(utc_now())
    if since is None:
        return default
    newest = newest_data_point(session, names)
    end = default.until if newest is not None and newest >= as_utc(since) else utc_now()
    return Window(since, end)


def _system_status(
    name: str,
    has_model: bool,
    values: dict[str, float | None],
    thresholds: dict[str, ThresholdSpec],
    notes: Mapping[str, str],
) -> SystemStatus:
    lanes: dict[str, LaneStatus] = {}
    for lane, stages in STAGES.items():
        stage_statuses: dict[str, StageStatus] = {}
        for stage in stages:
            if not signals_for(lane, stage):  # a stage whose signals are still to come
                continue
            signals = []
            for definition in signals_for(lane, stage):
                spec = thresholds[definition.key]
                value = values.get(definition.key) if lane != "mlops" or has_model else None
                signals.append(
                    SignalValue(
                        key=definition.key,
                        value=value,
                        status=evaluate(value, spec),
                        unit=spec.unit,
                        direction=spec.direction,
                        warn=spec.warn,
                        critical=spec.critical,
                        # an Impact note may say why there is no value (currencies not added)
                        note=notes.get(definition.key)
                        if value is not None or lane == "impact"
                        else None,
                    )
                )
            stage_status = worst(s.status for s in signals)
            stage_statuses[stage] = StageStatus(stage, stage_status, tuple(signals))
        lane_status = worst(s.status for s in stage_statuses.values())
        lanes[lane] = LaneStatus(lane, lane_status, stage_statuses)
    return SystemStatus(name, worst(x.status for x in lanes.values()), has_model, lanes)


def format_table(report: StatusReport) -> str:
    """A plain-text table (system, lane, stage, signal, value, status) for the terminal."""
    header = ("SYSTEM", "LANE", "STAGE", "SIGNAL", "VALUE", "STATUS")
    rows: list[tuple[str, ...]] = []
    for system in report.systems:
        rows.append((system.system, "", "", "", "", system.status.value.upper()))
        for lane in system.lanes.values():
            for stage in lane.stages.values():
                for s in stage.signals:
                    rows.append(
                        (system.system, lane.lane, stage.stage, s.key, s.display, s.status.value)
                    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"window: {report.window.since.isoformat()} .. {report.window.until.isoformat()}"]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    for system in report.systems:
        for lane in system.lanes.values():
            for stage in lane.stages.values():
                lines += [
                    f"note: {system.system} {s.key}: {s.note}" for s in stage.signals if s.note
                ]
    return "\n".join(lines)
