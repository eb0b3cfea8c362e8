"""Check a raw file against its format and turn it into typed columns.

Each column's first bad value is found (see ``typed_columns``), and the error
reported is the earliest row among them, so the user fixes the file top to
bottom. Timestamps get ``shift`` added; then the rules that involve several
columns and the file's natural key are checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from app.ingest.errors import quote
from app.ingest.formats import (
    FORMATS,
    LATENCY_BUCKET,
    TIMESTAMP,
    Column,
    Format,
)
from app.ingest.problems import Problems
from app.ingest.source import Source
from app.ingest.storage_limits import SEGMENT_KEY_LENGTH, SENSITIVE_GROUP_LENGTH
from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem
from app.ingest.typed_columns import EMPTY, NO_NUL, convert, empty_column, feature_column

_CURRENCY = r"[A-Z]{3}"


@dataclass(frozen=True)
class Validated:
    """A file's rows as typed columns, with the names of its open-ended columns."""

    frame: pd.DataFrame
    prefixed: dict[str, tuple[str, ...]]
    features: tuple[str, ...] = ()


def validate(kind: str, source: Source, *, system: str | None, shift: timedelta) -> Validated:
    """Type and check every column of ``source`` as format ``kind`` requires."""
    spec = FORMATS[kind]
    raw = source.frame
    if system is not None and (problem := system_name_problem(system)) is not None:
        raise source.error(expected=f"--system: {SYSTEM_NAME_RULE}", got=problem)
    prefixed, features = _check_header(spec, source, system)
    problems = Problems(source)
    typed: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name == "system" and system is not None:
            typed["system"] = pd.Series(system, index=raw.index, dtype=object)
        elif column.name in raw.columns:
            typed[column.name] = convert(column, raw[column.name], problems)
        else:
            typed[column.name] = empty_column(column, len(raw))
    for prefix in spec.prefixes:
        for name in prefixed[prefix.prefix]:
            option = Column(name, prefix.type, "", "", nullable=True)
            typed[name] = convert(option, raw[name], problems)
    for name in features:
        typed[name] = feature_column(name, raw[name], problems)
    problems.raise_first()
    frame = pd.DataFrame(typed, index=raw.index, copy=False)  # the typed columns are new
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
            raise source.error(column=name, expected="a column name " + NO_NUL, got="a NUL")
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


def _check_rules(kind: str, frame: pd.DataFrame, problems: Problems) -> None:
    """The rules that involve several columns (see each format's ``rules``)."""

    def not_before(later: str, earlier: str) -> None:
        bad = (frame[later] < frame[earlier]).fillna(False)
        problems.check(later, bad, f"a time ≥ {earlier}")

    if kind in ("pipelines", "runs"):
        not_before("finished_at", "started_at")
    if kind in ("runs", "costs"):
        _check_currency(frame, "cost" if kind == "runs" else "amount", problems)
    if kind == "costs":
        problems.check("date", (frame["date"] != frame["date"].dt.floor("D")), "a day (00:00 UTC)")
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
        problems.check("model_version", bad, "a model version when kind is model", got=EMPTY)
        planned = frame["unplanned"].eq("false") & frame["incident_id"].notna()
        problems.check("unplanned", planned, "true or empty when incident_id is given")
    elif kind == "kpis":
        for column in ("unit", "direction"):
            first = frame.groupby(["system", "name"], sort=False)[column].transform("first")
            problems.check(column, frame[column] != first, f"the {column} of the KPI's first row")
    elif kind == "production":
        _check_segment_keys(frame, problems)
        _check_sensitive_groups(frame, problems)


def _check_currency(frame: pd.DataFrame, amount: str, problems: Problems) -> None:
    """A currency is three letters, and an amount never comes without one."""
    currency = frame["currency"]
    bad = currency.notna() & ~currency.str.fullmatch(_CURRENCY, na=False).astype(bool)
    problems.check("currency", bad, "a three-letter ISO 4217 code")
    problems.check(
        "currency", frame[amount].notna() & currency.isna(), f"a currency with {amount}", got=EMPTY
    )


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


def _check_latency_buckets(frame: pd.DataFrame, problems: Problems) -> None:
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
            got=EMPTY,
        )
        problems.check(column, (frame[column] < 0).fillna(False), "a count ≥ 0")
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        smaller = (frame[higher] < frame[lower]).fillna(False)
        problems.check(higher, smaller, f"a cumulative count ≥ {lower}'s")


def _check_segment_keys(frame: pd.DataFrame, problems: Problems) -> None:
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


def _check_sensitive_groups(frame: pd.DataFrame, problems: Problems) -> None:
    """A sensitive column's groups are stored as text of at most ``SENSITIVE_GROUP_LENGTH``."""
    limit = SENSITIVE_GROUP_LENGTH
    for column in (c for c in frame.columns if c.startswith("sensitive.")):
        stats = problems.source.text_stats.get(column)
        if stats is not None and stats.max_length <= limit:
            continue
        if pd.api.types.infer_dtype(frame[column], skipna=True) == "empty":
            continue
        lengths = frame[column].str.len()

        def got(row: int, lengths: pd.Series = lengths) -> str:
            return f"{int(lengths.iloc[row])} characters"

        problems.check(
            column, (lengths > limit).fillna(False), f"a group of at most {limit} characters", got
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
