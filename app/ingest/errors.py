"""What an ingest reports: the summary of a success, or the one error that stopped it.

``IngestError`` carries the file, row, column, what was expected and what was
found, so that the CLI can print it and exit 2, and a page can show it next to
the upload widget, without either parsing a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_MAX_GOT = 80


# Control characters (NUL, ESC, newlines) are shown escaped, never written to the terminal.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def printable(text: str) -> str:
    """``text`` with its control characters escaped (NUL shows as ``\\x00``)."""
    return text.translate(_CONTROL)


def quote(value: object) -> str:
    """A found value as the error message shows it: double-quoted, escaped, shortened."""
    text = printable(str(value))
    if len(text) > _MAX_GOT:
        text = text[: _MAX_GOT - 1] + "…"
    return '"' + text.replace('"', '\\"') + '"'


class IngestError(ValueError):
    """Bad input: nothing was written.

    ``row`` is the 1-based data row (the header is not counted), ``None`` for a
    problem with the whole file; ``line`` is the CSV line it starts on (the
    header is line 1), ``None`` for Parquet. ``got`` is already formatted
    (see :func:`quote`), because sometimes it is a description ("no data rows").
    """

    def __init__(
        self,
        path: Path | str,
        *,
        expected: str,
        got: str | None = None,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.line = line
        self.expected = expected
        self.got = got
        super().__init__(self._message())

    @property
    def location(self) -> str:
        """Where the problem is: 'file.csv, row 7 (line 8), column "x"'."""
        parts = [self.path.name]
        if self.row is not None:
            parts.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        if self.column is not None:
            column = printable(self.column)
            if len(column) > _MAX_GOT:
                column = column[: _MAX_GOT - 1] + "…"
            parts.append(f'column "{column}"')
        return ", ".join(parts)

    def _message(self) -> str:
        got = f", got {self.got}" if self.got is not None else ""
        return f"{self.location}: expected {self.expected}{got}"


@dataclass(frozen=True)
class IngestSummary:
    """What one successful ingest read and changed.

    ``rows_written`` counts the file's rows that were inserted or changed a
    stored row, so re-ingesting a file reports 0. ``windows`` is the number of
    production windows created or changed (0 for the other kinds).
    """

    kind: str
    path: Path
    rows_read: int
    rows_written: int
    systems_created: tuple[str, ...] = ()
    windows: int = 0


class PrometheusError(ValueError):
    """Bad input, or Prometheus could not answer: nothing was written."""
