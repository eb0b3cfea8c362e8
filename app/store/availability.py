"""Tell an outage of the database from a bug: what the edges say when it is away.

A server that is down, restarting or out of resources, a connection cut
mid-query, an SQLite file on a full disk: none of these is Tandem's bug or the
user's bad input, and none lasts. The CLI says so in one line (exit 3) and the
pages say so instead of a traceback, then read again once the database answers.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

# PostgreSQL's SQLSTATE classes of a server that cannot serve: connection exceptions,
# insufficient resources (disk full, too many connections), operator intervention
# (shutdown, crash, cannot connect now).
_POSTGRES_STATES = ("08", "53", "57P")
# SQLite's result codes of a file that cannot be used: busy past the timeout, cannot
# be opened, disk full, I/O errors (the extended codes start with SQLITE_IOERR).
_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR")


def unavailable(error: BaseException) -> str | None:
    """Why the database cannot be used right now, in one line, if ``error`` says so.

    True of a server that is down, unreachable, shutting down or out of
    resources, of a connection cut mid-query, and of an SQLite file that
    cannot be opened or written (disk full); None for every other error (bad
    SQL, a constraint, a missing table), which is a bug or bad input.
    """
    if not isinstance(error, DBAPIError):
        return None
    cause = error.orig
    if not error.connection_invalidated and not _is_outage(cause):
        return None
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _is_outage(cause: BaseException | None) -> bool:
    sqlite_code = getattr(cause, "sqlite_errorname", None)
    if sqlite_code is not None:
        return str(sqlite_code).startswith(_SQLITE_CODES)
    if not type(cause).__module__.startswith("psycopg"):
        return False
    state = getattr(cause, "sqlstate", None)
    if state is None:  # no answer from a server: refused, timed out, closed mid-query
        return any(kind.__name__ == "OperationalError" for kind in type(cause).__mro__)
    return str(state).startswith(_POSTGRES_STATES)


def where(engine_or_url: Engine | str) -> str:
    """The database as a message names it: its URL without the password."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.render_as_string(hide_password=True)


def answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (the pages' retry probe)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        if unavailable(error) is None:
            raise
        return False
    return True
