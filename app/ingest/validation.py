"""Check a raw file against its format and turn it into typed columns.

Everything is vectorised per column. Each column's first bad value is found,
and the error reported is the earliest row among them, so the user fixes the
file top to bottom. Typed columns: text is ``object`` (``None`` when empty),
integers ``Int64``, numbers ``float64`` (NaN when empty), timestamps
``datetime64[us, UTC]`` (naive input is UTC; ``shift`` is already added).

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.ingest.errors import IngestError, quote
from app.ingest.formats import (
    DATASET_REF,
    FLOAT_EXACT,
    FORMATS,
    INT64_MAX,
    INTEGER,
    JSON_OBJECT,
    LATENCY_BUCKET,
    NUMBER,
    SEGMENT_KEY_LENGTH,
    TIMESTAMP,
    Column,
    Format,
    bound_text,
)
from app.ingest.source import Source
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
_EMPTY = "an empty value"
_NO_NUL = "text without NUL characters"
_TIME_RANGE = f"a time from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}"
_INTEGER_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")
_EXACT = "a number a float column holds exactly (integers up to 2^53)"
_SYSTEM = FORMATS["pipelines"].column("system")
SYSTEM_NAME_MAX: int = (_SYSTEM.max_length if _SYSTEM else None) or 200


def system_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a system name (``--system``), or None.

    A blank name is refused (``''`` is also the global scope of thresholds),
    and so is one longer than the ``systems.name`` column or holding NUL.
    """
    if not name.strip():
        return "an empty name"
    if "\x00" in name:
        return "a name with a NUL character"
    if len(name) > SYSTEM_NAME_MAX:
        return f"a name of {len(name)} characters"
    return None


SYSTEM_NAME_RULE = f"a system name of 1 to {SYSTEM_NAME_MAX} characters, not blank"


@dataclass(frozen=True)
class Validated:
    """A file's rows as typed columns, with the names of its open-ended columns."""

    frame: pd.DataFrame
    prefixed: dict[str, tuple[str, ...]]
    features: tuple[str, ...] = ()


class _Problems:
    """The first bad value of each column; raises the earliest one."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.found: list[tuple[int, int, IngestError]] = []

    def check(
        self,
        column: str,
        bad: pd.Series | np.ndarray,
        expected: str,
        got: str | Callable[[int], str] | None = None,
    ) -> None:
        """Report the first row of ``bad``; ``got`` describes it (default: its raw value)."""
        hits = np.flatnonzero(np.asarray(bad, dtype=bool))
        if hits.size:
            row = int(hits[0])
            if callable(got):
                shown = got(row)
            else:
                shown = got if got is not None else quote(self.source.frame[column].iloc[row])
            error = self.source.error(row=row, column=column, expected=expected, got=shown)
            self.found.append((row, len(self.found), error))

    def raise_first(self) -> None:
        if self.found:
            raise min(self.found, key=lambda found: found[:2])[2]


def validate(kind: str, source: Source, *, system: str | None, shift: timedelta) -> Validated:
    """Type and check every column of ``source`` as format ``kind`` requires."""
    spec = FORMATS[kind]
    raw = source.frame
    if system is not None and (problem := system_name_problem(system)) is not None:
        raise source.error(expected=f"--system: {SYSTEM_NAME_RULE}", got=problem)
    prefixed, features = _check_header(spec, source, system)
    problems = _Problems(source)
    typed: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name == "system" and system is not None:
            typed["system"] = pd.Series(system, index=raw.index, dtype=object)
        elif column.name in raw.columns:
            typed[column.name] = _convert(column, raw[column.name], problems)
        else:
            typed[column.name] = _empty(column, len(raw))
    for prefix in spec.prefixes:
        for name in prefixed[prefix.prefix]:
            option = Column(name, prefix.type, "", "", nullable=True)
            typed[name] = _convert(option, raw[name], problems)
    for name in features:
        typed[name] = _feature(name, raw[name], problems)
    problems.raise_first()
    frame = pd.DataFrame(typed, index=raw.index)
    for column in spec.columns:
        if column.type == TIMESTAMP and shift:
            frame[column.name] = frame[column.name] + pd.Timedelta(shift)
    _check_rules(kind, frame, problems)
    problems.raise_first()
    if kind == "deployments":  # stored as a boolean; an incident answered makes it unplanned
        frame["unplanned"] = frame["unplanned"].eq("true") | frame["incident_id"].notna()
    _check_duplicates(spec, frame, source)
    return Validated(frame, {p: tuple(c) for p, c in prefixed.items()}, tuple(features))


def _check_header(
    spec: Format, source: Source, system: str | None
) -> tuple[dict[str, list[str]], list[str]]:
    names = source.columns
    known = {c.name for c in spec.columns}
    prefixed: dict[str, list[str]] = {p.prefix: [] for p in spec.prefixes}
    limits = {p.prefix: p.max_name_length for p in spec.prefixes}
    unknown, features = [], []
    for name in names:
        if "\x00" in name:
            raise source.error(column=name, expected="a column name " + _NO_NUL, got="a NUL")
        prefix = next((p for p in prefixed if name.startswith(p)), None)
        if name in known or (spec.kind == "production" and name == "system"):
            continue
        if prefix is not None:
            if not name[len(prefix) :].strip():
                raise source.error(column=name, expected=f"{prefix}<name>", got="no name")
            limit = limits[prefix]
            own = name if spec.features else name[len(prefix) :]  # segment names are kept whole
            if limit is not None and len(own) > limit:
                raise source.error(
                    column=name,
                    expected=f"a name of at most {limit} characters after {prefix}",
                    got=f"{len(own)} characters",
                )
            prefixed[prefix].append(name)
        elif spec.features:
            if spec.max_feature_name is not None and len(name) > spec.max_feature_name:
                raise source.error(
                    column=name,
                    expected=f"a feature name of at most {spec.max_feature_name} characters",
                    got=f"{len(name)} characters",
                )
            features.append(name)
        else:
            unknown.append(name)
    for column in spec.columns:
        optional = not column.required or (column.name == "system" and system is not None)
        if column.name not in names and not optional:
            hint = f" (unknown: {', '.join(quote(u) for u in unknown)})" if unknown else ""
            raise source.error(
                column=column.name, expected="a required column", got="a header without it" + hint
            )
    if unknown:
        raise source.error(
            column=unknown[0],
            expected=f"one of the columns of {spec.kind} files ({', '.join(sorted(known))})",
            got="an unknown column",
        )
    return prefixed, features


def _blank(raw: pd.Series) -> pd.Series:
    """No value: the reader has already turned empty text into null."""
    return raw.isna()


def _empty(column: Column, rows: int) -> pd.Series:
    if column.type == TIMESTAMP:
        return pd.Series(pd.NaT, index=range(rows), dtype=TS_DTYPE)
    if column.type == INTEGER:
        return pd.Series(pd.NA, index=range(rows), dtype="Int64")
    if column.type == NUMBER:
        return pd.Series(np.nan, index=range(rows), dtype=float)
    return pd.Series(None, index=range(rows), dtype=object)


def _convert(column: Column, raw: pd.Series, problems: _Problems) -> pd.Series:
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
        problems.check(name, blank, expected, got=_EMPTY)
    return typed.reset_index(drop=True)


def _is_iso(value: object) -> bool:
    try:
        datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _check_text(name: str, typed: pd.Series, max_length: int | None, problems: _Problems) -> None:
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
    problems.check(name, typed.str.contains("\x00", regex=False, na=False), _NO_NUL)
    if max_length is not None:
        lengths = typed.str.len()
        problems.check(
            name,
            (lengths > max_length).fillna(False),
            f"at most {max_length} characters",
            got=lambda row: f"{int(lengths.iloc[row])} characters",
        )


def _integers(column: Column, raw: pd.Series, blank: pd.Series, problems: _Problems) -> pd.Series:
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


def _check_exact(name: str, raw: pd.Series, values: pd.Series, problems: _Problems) -> None:
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


def _json_objects(typed: pd.Series, problems: _Problems, name: str, expected: str) -> pd.Series:
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


def _check_range(column: Column, typed: pd.Series, problems: _Problems) -> None:
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


def _feature(name: str, raw: pd.Series, problems: _Problems) -> pd.Series:
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


def _check_rules(kind: str, frame: pd.DataFrame, problems: _Problems) -> None:
    """The rules that involve several columns (see each format's ``rules``)."""

    def not_before(later: str, earlier: str) -> None:
        bad = (frame[later] < frame[earlier]).fillna(False)
        problems.check(later, bad, f"a time ≥ {earlier}")

    if kind in ("pipelines", "runs"):
        not_before("finished_at", "started_at")
    if kind == "pipelines":
        bad = (frame["tests_failed"] > frame["tests_total"]).fillna(False)
        problems.check("tests_failed", bad, "at most tests_total")
    elif kind == "incidents":
        not_before("resolved_at", "opened_at")
    elif kind == "health":
        bad = (frame["errors"] > frame["requests"]).fillna(False)
        problems.check("errors", bad, "at most requests")
        _check_latency_buckets(frame, problems)
    elif kind == "deployments":
        bad = frame["kind"].eq("model") & frame["model_version"].isna()
        problems.check("model_version", bad, "a model version when kind is model", got=_EMPTY)
        planned = frame["unplanned"].eq("false") & frame["incident_id"].notna()
        problems.check("unplanned", planned, "true or empty when incident_id is given")
    elif kind == "production":
        _check_segment_keys(frame, problems)


def latency_bound(column: str) -> float | None:
    """The bound in ms of a ``le_<bound>`` column (``le_+Inf`` is inf); None if not a bound."""
    text = column[len(LATENCY_BUCKET) :]
    if text.lower() in ("+inf", "inf"):
        return math.inf
    try:
        bound = float(text)
    except ValueError:
        return None
    return bound if math.isfinite(bound) and bound >= 0 else None


def _check_latency_buckets(frame: pd.DataFrame, problems: _Problems) -> None:
    """``le_<bound>`` columns: numeric bounds with +Inf, counts ≥ 0, cumulative, all or none."""
    columns = [c for c in frame.columns if c.startswith(LATENCY_BUCKET)]
    if not columns:
        return
    bounds: dict[str, float] = {}
    for column in columns:
        bound = latency_bound(column)
        if bound is None:
            expected = "le_<bound>: a latency in ms ≥ 0, or +Inf"
            raise problems.source.error(column=column, expected=expected, got=repr(column))
        if bound in bounds.values():
            twin = next(c for c, b in bounds.items() if b == bound)
            raise problems.source.error(
                column=column, expected="one column per bound", got=f"the bound of {twin}"
            )
        bounds[column] = bound
    if math.inf not in bounds.values():
        raise problems.source.error(
            column=columns[0], expected="a le_+Inf column with the other le_ columns", got="none"
        )
    ordered = sorted(columns, key=bounds.__getitem__)
    given = frame[ordered].notna()
    partial = given.any(axis=1) & ~given.all(axis=1)
    for column in ordered:
        problems.check(
            column,
            partial & ~given[column],
            "a count (a row gives every le_ column or none)",
            got=_EMPTY,
        )
        problems.check(column, (frame[column] < 0).fillna(False), "a count ≥ 0")
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        smaller = (frame[higher] < frame[lower]).fillna(False)
        problems.check(higher, smaller, f"a cumulative count ≥ {lower}'s")


def _check_segment_keys(frame: pd.DataFrame, problems: _Problems) -> None:
    """A segment's results are stored under ``<name>=<value>``, which must fit its column."""
    limit = SEGMENT_KEY_LENGTH
    for column in (c for c in frame.columns if c.startswith("segment.")):
        room = limit - len(column.removeprefix("segment.")) - 1
        stats = problems.source.text_stats.get(column)
        if stats is not None and stats.max_length <= room:
            continue
        if pd.api.types.infer_dtype(frame[column], skipna=True) == "empty":
            continue
        lengths = frame[column].str.len()

        def got(row: int, lengths: pd.Series = lengths) -> str:
            return f"{int(lengths.iloc[row])} characters"

        problems.check(
            column,
            (lengths > room).fillna(False),
            f"a value of at most {room} characters (stored as name=value, {limit} at most)",
            got=got,
        )


def _check_duplicates(spec: Format, frame: pd.DataFrame, source: Source) -> None:
    """A natural key seen twice in the file: name the second row and the first."""
    keys = frame[list(spec.key)]
    present = keys.notna().all(axis=1)
    duplicated = keys.duplicated(keep="first") & present
    if not duplicated.any():
        return
    row = int(np.flatnonzero(duplicated.to_numpy())[0])
    same = (keys == keys.iloc[row]).all(axis=1) & present
    first = int(np.flatnonzero(same.to_numpy())[0])
    column = spec.key[-1]
    raise source.error(
        row=row,
        column=column,
        expected=f"a unique ({', '.join(spec.key)}), first seen in row {first + 1}",
        got="a duplicate"
        + (f" {quote(source.frame[column].iloc[row])}" if column in source.columns else ""),
    )
