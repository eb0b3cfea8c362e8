"""Check a raw file against its format and turn it into typed columns.

Everything is vectorised per column. Each column's first bad value is found,
and the error reported is the earliest row among them, so the user fixes the
file top to bottom. Typed columns: text is ``object`` (``None`` when empty),
integers ``Int64``, numbers ``float64`` (NaN when empty), timestamps
``datetime64[us, UTC]`` (naive input is UTC; ``shift`` is already added).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from app.ingest.errors import IngestError, quote
from app.ingest.formats import (
    DATASET_REF,
    FORMATS,
    INTEGER,
    JSON_OBJECT,
    NUMBER,
    TIMESTAMP,
    Column,
    Format,
)
from app.ingest.source import Source

TS_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")
_DATASET_REF = re.compile(r"^[^@\s]+@[^@\s]+$")
_EXPECTED = {
    INTEGER: "an integer",
    NUMBER: "a finite number",
    TIMESTAMP: "an ISO 8601 timestamp",
    JSON_OBJECT: "a JSON object of column → type",
    DATASET_REF: "name@version",
}
_EMPTY = "an empty value"


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
        self, column: str, bad: pd.Series | np.ndarray, expected: str, got: str | None = None
    ) -> None:
        hits = np.flatnonzero(np.asarray(bad, dtype=bool))
        if hits.size:
            row = int(hits[0])
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
        typed[name] = _feature(raw[name])
    problems.raise_first()
    frame = pd.DataFrame(typed, index=raw.index)
    for column in spec.columns:
        if column.type == TIMESTAMP and shift:
            frame[column.name] = frame[column.name] + pd.Timedelta(shift)
    _check_rules(kind, frame, problems)
    problems.raise_first()
    _check_duplicates(spec, frame, source)
    return Validated(frame, {p: tuple(c) for p, c in prefixed.items()}, tuple(features))


def _check_header(
    spec: Format, source: Source, system: str | None
) -> tuple[dict[str, list[str]], list[str]]:
    names = source.columns
    known = {c.name for c in spec.columns}
    prefixed: dict[str, list[str]] = {p.prefix: [] for p in spec.prefixes}
    unknown, features = [], []
    for name in names:
        prefix = next((p for p in prefixed if name.startswith(p)), None)
        if name in known or (spec.kind == "production" and name == "system"):
            continue
        if prefix is not None:
            if name == prefix:
                raise source.error(column=name, expected=f"{prefix}<name>", got="no name")
            prefixed[prefix].append(name)
        elif spec.features:
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
    if column.type in (INTEGER, NUMBER):
        values, parsed_nan = _numbers(raw, blank)
        problems.check(name, ~blank & values.isna() & ~parsed_nan, expected)
        if column.type == INTEGER:
            bad = ~blank & (parsed_nan | ~np.isfinite(values.fillna(0)) | (values % 1 != 0))
            problems.check(name, bad, expected)
            typed = values.where(~bad & ~blank).astype("Int64")
        else:
            problems.check(name, np.isinf(values), expected)
            if not column.nullable:
                problems.check(name, parsed_nan, expected)
            typed = values.where(~parsed_nan).astype(float)
        _check_range(column, typed, problems)
    elif column.type == TIMESTAMP:
        typed = _timestamps(raw, blank)
        problems.check(name, ~blank & typed.isna(), expected)
    else:
        typed = raw.astype(object).where(~blank, None)
        if pd.api.types.infer_dtype(typed, skipna=True) not in ("string", "empty"):
            typed = typed.map(lambda v: None if v is None else str(v))
        if column.upper:
            typed = typed.str.upper().where(~blank, None)
        if column.values:
            expected = "one of " + ", ".join(column.values)
            problems.check(name, ~blank & ~typed.isin(column.values), expected)
        elif column.type == DATASET_REF:
            ok = typed.str.match(_DATASET_REF).fillna(False).astype(bool)
            problems.check(name, ~blank & ~ok, expected)
        elif column.type == JSON_OBJECT:
            typed = _json_objects(typed, problems, name, expected)
    if not column.nullable:
        problems.check(name, blank, expected, got=_EMPTY)
    return typed.reset_index(drop=True)


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
    return parsed.where(parsed.map(lambda v: v is not _INVALID).astype(bool), None)


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
    expected = f"a value between {low:g} and {high:g}" if high is not None else f"a value ≥ {low:g}"
    problems.check(column.name, bad, expected)


def _feature(raw: pd.Series) -> pd.Series:
    """A feature column: float64 when every value is a number, else text (``None`` empty)."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype(float)
    blank = _blank(raw)
    first = raw[~blank].iloc[:1]
    if raw.dtype == object and pd.to_numeric(first, errors="coerce").notna().all():
        values, nan = _numbers(raw, blank)  # looks numeric: check every value
        if not (~blank & values.isna() & ~nan).any():
            return values
    text = raw.astype(object)
    if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
        text = text.map(lambda v: v if isinstance(v, str) else str(v))
    return text.where(~blank, None)


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
    elif kind == "deployments":
        bad = frame["kind"].eq("model") & frame["model_version"].isna()
        problems.check("model_version", bad, "a model version when kind is model", got=_EMPTY)


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
