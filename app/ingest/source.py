"""A CSV or Parquet file read into a raw DataFrame, able to say where a row is.

CSV is read by pyarrow with every column as text, so that validation sees
exactly what the user wrote and can quote it back. Parquet keeps its native
types. In both, empty or whitespace-only text becomes null (``None``).

Errors that only the reader can see (bytes that are not UTF-8, a row with the
wrong number of fields, a repeated column name, no data rows) are raised
here, located as precisely as the bytes allow.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from app.ingest.errors import IngestError, quote

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class TextStats:
    """What validation must know of a text column, measured in Arrow (fast) on reading."""

    max_length: int  # characters of the longest value
    has_nul: bool


@dataclass
class Source:
    """One input file: its raw rows and how to point at one of them."""

    path: Path
    frame: pd.DataFrame
    is_csv: bool
    text_stats: dict[str, TextStats] = field(default_factory=dict)
    _lines: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def error(
        self,
        *,
        expected: str,
        got: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> IngestError:
        """An error at the 0-based data row ``row`` (the message shows it 1-based)."""
        line = self.line_of(row) if row is not None else None
        return IngestError(
            self.path,
            expected=expected,
            got=got,
            row=None if row is None else row + 1,
            column=column,
            line=line,
        )

    def line_of(self, row: int) -> int | None:
        """The CSV line the 0-based data row starts on (quoted newlines counted)."""
        if not self.is_csv:
            return None
        if row not in self._lines:
            self._lines[row] = _scan_csv(self.path, stop_at_row=row)[1] or row + 2
        return self._lines[row]


def read_source(path: Path) -> Source:
    """Read ``path`` by its suffix; raise :class:`IngestError` for an unreadable file."""
    if not path.is_file():
        raise IngestError(path, expected="an existing file", got="no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame, stats = _read_csv(path)
        source = Source(path, frame, is_csv=True, text_stats=stats)
    elif suffix == ".parquet":
        frame, stats = _read_parquet(path)
        source = Source(path, frame, is_csv=False, text_stats=stats)
    else:
        raise IngestError(path, expected="a .csv or .parquet file", got=quote(path.suffix))
    if source.frame.empty:
        raise IngestError(path, expected="at least one data row", got="no data rows")
    return source


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, TextStats]]:
    data = path.read_bytes()
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _utf8_error(path, data[start:], exc) from None
    end = text.find("\n")
    first = text[: end if end >= 0 else len(text)].rstrip("\r")
    del text
    header = next(csv.reader([first]), [])
    if not header or not any(name.strip() for name in header):
        raise IngestError(path, expected="a header row", got="an empty file")
    _check_names(path, header)
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.py_buffer(memoryview(data)[start:]),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise IngestError(path, expected="a readable CSV file", got=quote(exc)) from None
    if invalid:
        _raise_field_count(path, len(header))
    table = _blanks_to_null(table)
    return table.to_pandas(), _text_stats(table)


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, TextStats]]:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(path, expected="a readable Parquet file", got=quote(exc)) from None
    _check_names(path, table.column_names)
    table = _binary_as_text(path, table)
    table = _blanks_to_null(table)
    frame = table.to_pandas(split_blocks=True)  # a block per column: no 2-D copy to consolidate
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.type in _INTEGERS and column.null_count:
            # An integer column with a gap would become float64, which rounds beyond 2^53.
            frame[name] = column.to_pandas(types_mapper=_INTEGERS.get)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object)
    return frame, _text_stats(table)


def _text_stats(table: pa.Table) -> dict[str, TextStats]:
    """Longest value and any NUL of every text column (dictionary-encoded ones included)."""
    stats = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            longest = pc.max(pc.utf8_length(column)).as_py() or 0
            nul = pc.any(pc.match_substring(column, "\x00")).as_py() or False
            stats[name] = TextStats(int(longest), bool(nul))
    return stats


_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _binary_as_text(path: Path, table: pa.Table) -> pa.Table:
    """Binary columns as UTF-8 text, or an error at the first value that is not UTF-8."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            try:
                column = column.cast(pa.string())
            except pa.ArrowInvalid:
                row, value = next(
                    (i, v)
                    for i, v in enumerate(column.to_pylist())
                    if v is not None and not _is_utf8(v)
                )
                raise IngestError(
                    path, row=row + 1, column=name, expected="UTF-8 text", got=_hex(value)
                ) from None
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _hex(value: bytes) -> str:
    shown = value[:16].hex(" ") + (" …" if len(value) > 16 else "")
    return f"the bytes 0x{shown} (not UTF-8)"


def _blanks_to_null(table: pa.Table) -> pa.Table:
    """Empty and whitespace-only text becomes null: one notion of "no value" downstream.

    Done in Arrow because it is an order of magnitude faster than pandas' ``.str``.
    """
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            blank = pc.equal(pc.utf8_trim_whitespace(column), "")
            if pc.any(blank).as_py():  # rebuilt only when it has a blank
                column = pc.if_else(blank, pa.scalar(None, column.type), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _check_names(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name.strip():
            raise IngestError(path, expected="a name for every column", got="an empty name")
        if name in seen:
            raise IngestError(path, column=name, expected="each column once", got="it twice")
        seen.add(name)


def _scan_csv(
    path: Path, stop_at_row: int | None = None, width: int | None = None
) -> tuple[int, int, int]:
    """Walk the CSV with Python's parser: (0-based data row, its first line, its fields).

    Stops at ``stop_at_row``, or at the first row whose field count is not
    ``width``. Blank lines are skipped, as pyarrow skips them. (-1, 0, 0) if
    no row matches.
    """
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        previous_line, index = 0, -2
        for record in reader:
            if record:
                index += 1
                found = index == stop_at_row or (
                    width is not None and index >= 0 and len(record) != width
                )
                if found:
                    return index, previous_line + 1, len(record)
            previous_line = reader.line_num
    return -1, 0, 0


def _raise_field_count(path: Path, width: int) -> None:
    row, line, fields = _scan_csv(path, width=width)
    raise IngestError(
        path,
        row=row + 1 if row >= 0 else None,
        line=line or None,
        expected=f"{width} fields, as in the header",
        got=str(fields) if row >= 0 else "a different number",
    )


def _utf8_error(path: Path, data: bytes, exc: UnicodeDecodeError) -> IngestError:
    """Name the row, line and (when the prefix parses) column holding the bad bytes."""
    prefix = data[: exc.start].decode("utf-8")
    records = [r for r in csv.reader(io.StringIO(prefix, newline="")) if r]
    header = records[0] if records else []
    at_line_start = not prefix or prefix.endswith(("\n", "\r"))
    row = len(records) if at_line_start else len(records) - 1
    column_index = 0 if at_line_start else len(records[-1]) - 1
    column = header[column_index] if row >= 1 and column_index < len(header) else None
    bad = data[exc.start : exc.end].hex(" ")
    return IngestError(
        path,
        row=row if row >= 1 else None,
        line=prefix.count("\n") + 1,
        column=column,
        expected="UTF-8 text",
        got=f"the bytes 0x{bad} (not UTF-8)",
    )
