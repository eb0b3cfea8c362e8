"""Window summaries in the database: replaced with a window's other results, read by pages.

Writes run inside the caller's session (the ingest's or drift refresh's one
transaction, under the system's write lock); reads return
:mod:`app.production.summaries` values, never ORM rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Engine, and_, delete, select
from sqlalchemy.orm import Session

from app.production.summaries import Summary, from_payload
from app.store.db import session_scope
from app.store.models import WindowSummary
from app.store.rows import table_of
from app.store.upsert import upsert

SUMMARY_KEY = ("window_id", "kind", "column")
_CHUNK = 500

Summaries = Mapping[tuple[str, str], Summary]  # (kind, column) -> summary


def replace_summaries(
    session: Session, kinds: Collection[str], by_window: Mapping[int, Summaries]
) -> None:
    """Store each window's summaries of ``kinds`` in place of every one of those kinds it had."""
    table = table_of(WindowSummary)
    ids = list(by_window)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(
            delete(table).where(table.c.window_id.in_(chunk), table.c.kind.in_(list(kinds)))
        )
    rows: list[dict[str, Any]] = [
        {"window_id": window_id, "kind": kind, "column": column, "payload": s.to_payload()}
        for window_id, summaries in by_window.items()
        for (kind, column), s in summaries.items()
        if kind in kinds
    ]
    for start in range(0, len(rows), _CHUNK):
        upsert(session, table, rows[start : start + _CHUNK], key=SUMMARY_KEY)


def load_summaries(
    engine: Engine,
    window_ids: Collection[int],
    kinds: Collection[str],
    column: str | None = None,
) -> dict[int, dict[tuple[str, str], Summary]]:
    """The stored summaries of ``kinds`` (of ``column`` only, if given) by window id;
    a window without any is absent."""
    table = table_of(WindowSummary)
    condition = and_(table.c.window_id.in_(list(window_ids)), table.c.kind.in_(list(kinds)))
    if column is not None:
        condition = and_(condition, table.c.column == column)
    query = select(table.c.window_id, table.c.kind, table.c.column, table.c.payload).where(
        condition
    )
    found: dict[int, dict[tuple[str, str], Summary]] = {}
    with session_scope(engine) as session:
        for window_id, kind, name, payload in session.execute(query):
            found.setdefault(int(window_id), {})[(kind, name)] = from_payload(kind, payload)
    return found
