"""The time window signals are computed over.

Convention: a window is half-open, ``[since, until)``, in aware UTC. The
default window is the 30 days ending just after the newest data point (so the
newest point is inside it), which keeps "last 30 days" meaningful for data
that stopped arriving a while ago.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.store.models import (
    Deployment,
    HealthSample,
    Incident,
    KpiPoint,
    PipelineRun,
    ProductionWindow,
    System,
    TrainingRun,
)
from app.store.types import EARLIEST, LATEST

DEFAULT_DAYS = 30


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive timestamp is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_instant(value: str, flag: str) -> datetime:
    """A command-line timestamp (ISO 8601, UTC when it has no offset) as aware UTC.

    Raises ``ValueError`` naming ``flag`` for text that is not a timestamp or
    an instant outside ``[EARLIEST, LATEST)`` (``0001-01-01T00:00:00+01:00``
    is not even a UTC datetime).
    """
    expected = (
        f"{flag}: expected an ISO 8601 timestamp from {EARLIEST:%Y-%m-%d} "
        f"to before {LATEST:%Y-%m-%d}, got {value!r}"
    )
    try:
        parsed = as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise ValueError(expected) from None
    if not EARLIEST <= parsed < LATEST:
        raise ValueError(expected)
    return parsed


@dataclass(frozen=True)
class Window:
    """``[since, until)`` in aware UTC."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", as_utc(self.since))
        object.__setattr__(self, "until", as_utc(self.until))
        if self.since >= self.until:
            raise ValueError(f"window since {self.since} must be before until {self.until}")

    @classmethod
    def ending(cls, until: datetime, days: float = DEFAULT_DAYS) -> Window:
        """The ``days`` days ending (exclusively) at ``until``."""
        until = as_utc(until)
        return cls(until - timedelta(days=days), until)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    def to_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


# (table column, extra filter): every timestamp that counts as "data arrived".
_TIMESTAMPS: list[tuple[InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
                        ColumnElement[bool] | None]] = [
    (Deployment.deployed_at, None),
    (PipelineRun.finished_at, None),
    (PipelineRun.started_at, None),
    (Incident.opened_at, None),
    (Incident.resolved_at, None),
    (ProductionWindow.newest_row_at, ProductionWindow.is_reference.is_(False)),
    (TrainingRun.finished_at, None),
    (KpiPoint.timestamp, None),
]  # fmt: skip


def newest_data_point(session: Session, systems: Sequence[str] | None = None) -> datetime | None:
    """The newest timestamp of any data of ``systems`` (default: all systems)."""
    system_ids = select(System.id)
    if systems is not None:
        system_ids = system_ids.where(System.name.in_(list(systems)))
    # Health samples are the big table: a correlated max per system walks the
    # (system_id, timestamp) index instead of scanning every sample.
    per_system = (
        select(func.max(HealthSample.timestamp))
        .where(HealthSample.system_id == System.id)
        .scalar_subquery()
    )
    candidates: list[datetime | None] = [
        session.scalar(select(func.max(per_system)).where(System.id.in_(system_ids)))
    ]
    for column, extra in _TIMESTAMPS:
        query = select(func.max(column)).where(column.class_.system_id.in_(system_ids))
        if extra is not None:
            query = query.where(extra)
        candidates.append(session.scalar(query))
    found = [as_utc(c) for c in candidates if c is not None]
    return max(found) if found else None


def default_window(session: Session, systems: Sequence[str] | None = None) -> Window | None:
    """The 30 days ending one second after the newest data point; None without data."""
    newest = newest_data_point(session, systems)
    if newest is None:
        return None
    return Window.ending(newest + timedelta(seconds=1))
