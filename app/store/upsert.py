"""Insert-or-update on natural keys, the same way on SQLite and PostgreSQL.

Ingest relies on this to make re-ingesting a file add nothing: rows whose
natural key exists are updated in place (or left alone), never duplicated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Rows per executemany call, to bound the memory of one batch.
_CHUNK_ROWS = 50_000


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; where ``key`` already exists, update ``update`` columns.

    With ``update`` empty, existing rows are left untouched (do nothing).
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement: sqlite.Insert | postgresql.Insert
    if dialect == "sqlite":
        statement = sqlite.insert(table)
    elif dialect == "postgresql":
        statement = postgresql.insert(table)
    else:
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    columns = list(rows[0])
    update = [c for c in (update if update is not None else columns) if c not in key]
    # One statement with a bound parameter per column, executed for many rows
    # (executemany): compiling a multi-row VALUES clause costs far more than
    # sending the rows, and there is no bound-parameter limit to stay under.
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(key),
            set_={c: statement.excluded[c] for c in update},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    chunk = _CHUNK_ROWS
    for start in range(0, len(rows), chunk):
        session.execute(statement, list(rows[start : start + chunk]))
