"""Turn one raw column into a typed column, reporting its bad values.

Everything is vectorised per column. Typed columns: text is ``object``
(``None`` when empty), integers ``Int64``, numbers ``float64`` (NaN when
empty), timestamps ``datetime64[us, UTC]`` (naive input is UTC).

Whatever passes here, both databases store as it is: text fits its column
and holds no NUL, integers fit their SQL type and are kept exactly (never
through a float), a number column never silently rounds an integer, and
timestamps lie in ``[EARLIEST, LATEST)``. The limits come from the store's
column types (see ``formats._stored``).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from app.ingest.formats import (
    DATASET_REF,
    FLOAT_EXACT,
    INTEGER,
    JSON_OBJECT,
    NUMBER,
    TIMESTAMP,
    Column,
    bound_text,
)
from app.ingest.problems import Problems
from app.ingest.storage_limits import INT64_MAX
from app.store.types import EARLIEST, LATEST

# Microseconds, UTC: the precision both databases keep (spelled as text: the stubs
# accept only unit="ns" in DatetimeTZDtype's constructor).
TS_DTYPE = pd.api.types.pandas_dtype("datetime64[us, UTC]")
_NONE: Any = None  # a missing value (typed Any: the stubs' ``where`` refuses None)
_DATASET_REF = re.compile(r"^[^@\s]+@[^@\s]+$")
_EXPECTED = {
    INTEGER: "an integer",
    NUMBER: "a finite number",
    TIMESTAMP: "an ISO 8601 timestamp",
    JSON_OBJECT: "a JSON object of column → type",
    DATASET_REF: "name@version",
}
EMPTY = "an empty value"
NO_NUL = "text without NUL characters"
_TIME_RANGE = f"a time from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}"
_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")
_EXACT = "a number a float column holds exactly (integers up to 2^53)"


def _blank(raw: pd.Series) -> pd.Series:
    """No value: the reader has already turned empty text into null."""
    if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=False) == "string":
        return pd.Series(False, index=raw.index)  # every value a str: isna scans 4x slower
    return raw.isna()


def empty_column(column: Column, rows: int) -> pd.Series:
    if column.type == TIMESTAMP:
        return pd.Series(pd.NaT, index=range(rows), dtype=TS_DTYPE)
    if column.type == INTEGER:
        return pd.Series(pd.NA, index=range(rows), dtype="Int64")
    if column.type == NUMBER:
        return pd.Series(np.nan, index=range(rows), dtype=float)
    return pd.Series(None, index=range(rows), dtype=object)


def convert(column: Column, raw: pd.Series, problems: Problems) -> pd.Series:
    """The typed column; bad values are reported to ``problems``."""
    blank = _blank(raw)
    typed: pd.Series
    name, expected = column.name, _EXPECTED.get(column.type, "a value")
    if column.type == INTEGER:
        typed = _integers(column, raw, blank, problems)
        _check_range(column, typed, problems)
    elif column.type == NUMBER:
        values, parsed_nan = _numbers(raw, blank)
        problems.check(name, ~blank & values.isna() & ~parsed_nan, expected)
        problems.check(name, np.isinf(values), expected)
        if not column.nullable:
            problems.check(name, parsed_nan, expected)
        _check_exact(name, raw, values, problems)
        typed = values.where(~parsed_nan).astype(float)
        _check_range(column, typed, problems)
    elif column.type == TIMESTAMP:
        typed = _timestamps(raw, blank)
        unparsed = (~blank & typed.isna()).to_numpy()
        if unparsed.any() and _is_iso(raw.iloc[int(unparsed.argmax())]):
            expected = _TIME_RANGE  # a timestamp, but beyond what pandas holds (1677-2262)
        problems.check(name, unparsed, expected)
        outside = ((typed < EARLIEST) | (typed >= LATEST)).fillna(False).astype(bool)
        problems.check(name, outside, _TIME_RANGE)
    else:
        typed = raw.astype(object).where(~blank, _NONE)
        if pd.api.types.infer_dtype(typed, skipna=True) not in ("string", "empty"):
            typed = typed.map(lambda v: None if v is None else str(v))
        _check_text(name, typed, column.max_length, problems)
        if column.upper:
            typed = typed.str.upper().where(~blank, _NONE)
        if column.values:
            expected = "one of " + ", ".join(column.values)
            problems.check(name, ~blank & ~typed.isin(column.values), expected)
        elif column.type == DATASET_REF:
            ok = typed.str.match(_DATASET_REF, na=False).astype(bool)
            problems.check(name, ~blank & ~ok, expected)
        elif column.type == JSON_OBJECT:
            typed = _json_objects(typed, problems, name, expected)
    if not column.nullable:
        problems.check(name, blank, expected, got=EMPTY)
    return typed.reset_index(drop=True)


def _is_iso(value: object) -> bool:
    try:
        datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _check_text(name: str, typed: pd.Series, max_length: int | None, problems: Problems) -> None:
    """No NUL (PostgreSQL refuses it in text) and no more characters than the column holds.

    The reader measured its text columns in Arrow; only a column that fails
    there is scanned here, to find the row.
    """
    stats = problems.source.text_stats.get(name)
    if stats is not None and not stats.has_nul:
        if max_length is None or stats.max_length <= max_length:
            return
    if typed.empty or pd.api.types.infer_dtype(typed, skipna=True) == "empty":
        return
    problems.check(name, typed.str.contains("\x00", regex=False, na=False), NO_NUL)
    if max_length is not None:
        lengths = typed.str.len()
        problems.check(
            name,
            (lengths > max_length).fillna(False),
            f"at most {max_length} characters",
            got=lambda row: f"{int(lengths.iloc[row])} characters",
        )


def _integers(column: Column, raw: pd.Series, blank: pd.Series, problems: Problems) -> pd.Series:
    """``Int64`` values, exact (never through a float) and within the column's SQL type."""
    name, expected = column.name, _EXPECTED[INTEGER]
    high = column.max_integer or INT64_MAX
    low = -high - 1
    in_range = f"an integer from {low} to {high}"
    if pd.api.types.is_integer_dtype(raw.dtype):  # native integers (Parquet), uint64 included
        unsigned = pd.api.types.is_unsigned_integer_dtype(raw.dtype)
        ints = raw.astype("UInt64" if unsigned else "Int64")
        out = ints > high
        if not unsigned:
            out |= ints < low
        out = out.fillna(False).astype(bool)
        problems.check(name, out, in_range)
        return ints.where(~out).astype("Int64")
    values, parsed_nan = _numbers(raw, blank)
    problems.check(name, ~blank & values.isna() & ~parsed_nan, expected)
    bad = ~blank & (parsed_nan | ~np.isfinite(values.fillna(0)) | (values % 1 != 0))
    problems.check(name, bad, expected)
    big = ~bad & ~blank & (values.abs() >= FLOAT_EXACT)
    problems.check(name, ~bad & ~big & ((values > high) | (values < low)), in_range)
    typed = values.where(~bad & ~blank & ~big).astype("Int64")
    if big.any():  # read the written digits, not their float: 2^53 + 1 stays 2^53 + 1
        exact = raw[big].map(_exact_integer)
        out = exact.map(lambda v: v is None or not low <= v <= high).astype(bool)
        problems.check(name, out.reindex(raw.index, fill_value=False), in_range)
        keep = exact[~out]
        typed.loc[keep.index] = keep.tolist()
    return typed


def _exact_integer(value: object) -> int | None:
    """The integer a raw value denotes exactly, or None when it is not an integral number."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return int(value)
    text = str(value)
    if _INTEGER_TEXT.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _check_exact(name: str, raw: pd.Series, values: pd.Series, problems: Problems) -> None:
    """Refuse an integer that a float64 column would round (beyond 2^53), rather than round it.

    Only integers are at stake: a decimal such as ``0.1`` is a float by its
    nature, but ``9007199254740993`` would be stored as ``…992`` without a word.
    """
    candidates = (np.isfinite(values.fillna(0)) & (values.abs() >= FLOAT_EXACT)).to_numpy()
    if not candidates.any():
        return
    exact = raw[candidates].map(lambda v: _exact_integer(v) if _is_integer_literal(v) else None)
    rounded = [e is not None and int(float(e)) != e for e in exact]
    bad = np.zeros(len(raw), dtype=bool)
    bad[np.flatnonzero(candidates)] = rounded
    problems.check(name, bad, _EXACT)


def _is_integer_literal(value: object) -> bool:
    if isinstance(value, int | np.integer):
        return not isinstance(value, bool | np.bool_)
    return isinstance(value, str) and _INTEGER_TEXT.match(value) is not None


def _numbers(raw: pd.Series, blank: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values, which were written as NaN). Unparseable values are NaN too."""
    if pd.api.types.is_bool_dtype(raw) or not (
        pd.api.types.is_numeric_dtype(raw) or raw.dtype == object
    ):
        return pd.Series(np.nan, index=raw.index), pd.Series(False, index=raw.index)
    if raw.dtype == object:
        values = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
        nan = np.zeros(len(raw), dtype=bool)
        candidates = (values.isna() & ~blank).to_numpy()
        if candidates.any():
            text = raw[candidates].map(lambda v: str(v).strip().lower())
            nan[candidates] = text.eq("nan").to_numpy()
        return values, pd.Series(nan, index=raw.index)
    values = raw.astype(float)
    return values, (values.isna() & ~raw.isna()).astype(bool)


def _timestamps(raw: pd.Series, blank: pd.Series) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(raw):
        parsed = raw.dt.tz_localize("UTC")
    elif raw.dtype == object:
        parsed = pd.to_datetime(raw.where(~blank), utc=True, format="ISO8601", errors="coerce")
    else:
        return pd.Series(pd.NaT, index=raw.index, dtype=TS_DTYPE)
    return parsed.dt.floor("us").astype(TS_DTYPE)


def _json_objects(typed: pd.Series, problems: Problems, name: str, expected: str) -> pd.Series:
    def parse(value: str | None) -> object:
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            return _INVALID
        return parsed if isinstance(parsed, dict) else _INVALID

    parsed = typed.map(parse)
    problems.check(name, parsed.map(lambda v: v is _INVALID).astype(bool), expected)
    return parsed.where(parsed.map(lambda v: v is not _INVALID).astype(bool), _NONE)


_INVALID = object()


def _check_range(column: Column, typed: pd.Series, problems: Problems) -> None:
    low, high = column.minimum, column.maximum
    if low is None and high is None:
        return
    values = typed.astype(float).to_numpy()
    bad = np.zeros(values.size, dtype=bool)
    if low is not None:
        bad |= values < low  # NaN compares False: missing values are not out of range
    if high is not None:
        bad |= values > high
    if low is not None and high is not None:
        expected = f"a value between {bound_text(low)} and {bound_text(high)}"
    elif low is not None:
        expected = f"a value ≥ {bound_text(low)}"
    else:
        expected = f"a value ≤ {bound_text(high or 0)}"
    problems.check(column.name, bad, expected)


def feature_column(name: str, raw: pd.Series, problems: Problems) -> pd.Series:
    """A feature column: float64 when every value is a number, else text (``None`` empty).

    A number must be finite (empty or NaN means missing) and exact as a float.
    """
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    values: pd.Series | None = None
    blank = _blank(raw)
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
    else:
        first = raw[~blank].iloc[:1]
        if raw.dtype == object and pd.to_numeric(first, errors="coerce").notna().all():
            parsed, nan = _numbers(raw, blank)  # looks numeric: check every value
            if not (~blank & parsed.isna() & ~nan).any():
                values = parsed
    if values is not None:
        problems.check(name, np.isinf(values), "a finite number, or empty")
        _check_exact(name, raw, values, problems)
        return values
    text = raw.astype(object)
    if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
        text = text.map(lambda v: v if isinstance(v, str) else str(v))
    text = text.where(~blank, _NONE)
    _check_text(name, text, None, problems)
    return text
