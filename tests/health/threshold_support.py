"""What the threshold-edit tests share: a system, row counts, the stored row, a forced race."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, func, select

from app.store.db import session_scope
from app.store.models import System, Threshold


def add_system(engine: Engine, name: str = "svc") -> None:
    with session_scope(engine) as session:
        session.add(System(name=name))


def count_rows(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored(engine: Engine, scope: str, signal: str) -> tuple[float, float, int] | None:
    """The row's (warn, critical, version), or None when the scope has no row."""
    with session_scope(engine) as session:
        row = session.scalar(
            select(Threshold).where(Threshold.scope == scope, Threshold.signal == signal)
        )
        return None if row is None else (row.warn, row.critical, row.version)


@contextmanager
def before_first_write(engine: Engine, action: Callable[[], object]) -> Iterator[list[bool]]:
    """Run ``action`` just before the block's first INSERT, UPDATE or DELETE reaches the
    database (forced, not hoped: on SQLite the writer holds no lock until then, on
    PostgreSQL it has only read). Yields ``[armed]``: ``[False]`` once it ran.
    """
    armed = [True]

    def hook(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if armed[0] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            armed[0] = False
            action()

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield armed
    finally:
        event.remove(engine, "before_cursor_execute", hook)
