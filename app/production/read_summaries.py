"""What the pages draw of a window, from its stored summaries (:mod:`app.production.summaries`).

Part of the read model: the Drift page's distributions of a reference/current
pair and the Model performance page's confusion matrix and residuals. Pages
never read a window's rows for them, with one exception kept for stores
upgraded from before migration 0007 (lazy backfill, not stored): a window
without summaries whose Parquet file is in the data dir is summarised from
that file when shown; its next ingest or drift refresh stores its summaries.
A lake window (rows not here) always has them, written by its ingest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from app.config import load_settings
from app.production.summaries import (
    CATEGORICAL,
    CONFUSION,
    NUMERICAL,
    RESIDUALS,
    CategoryCounts,
    ConfusionCounts,
    NumericCounts,
    ResidualCounts,
    Summary,
    category_counts,
    edges_of,
    numeric_counts,
    performance_summaries,
)
from app.production.summary_store import load_summaries

SHARE_COLUMNS = ["bin", "reference", "current"]
OTHER = "(other values)"


def window_file(path: str) -> Path | None:
    """The window's Parquet file in the data dir, None when its rows are not here
    (a lake window's ``path`` is a URL; a file may also have been removed)."""
    if "://" in path or Path(path).is_absolute():
        return None  # a lake location (Spark ingest stores file:// for local ones), never ours
    try:
        candidate = load_settings().data_dir / path
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):
        return None


def pair_shares(reference: Summary, current: Summary) -> pd.DataFrame | None:
    """Each side's share per bin or category (``SHARE_COLUMNS``), None if the two cannot
    be drawn together (different kinds or bins).

    Numerical: shares of each side's finite values per bin of the (shared)
    reference bins; values outside the reference's range, when a side has
    some, as one bar just below and one just above it. Categorical: shares of
    each side's present values per category whose count both sides know,
    ordered by the reference's share; the rest as one ``OTHER`` bar.
    """
    if isinstance(reference, NumericCounts) and isinstance(current, NumericCounts):
        return _numeric_shares(reference, current)
    if isinstance(reference, CategoryCounts) and isinstance(current, CategoryCounts):
        return _category_shares(reference, current)
    return None


def _numeric_shares(reference: NumericCounts, current: NumericCounts) -> pd.DataFrame | None:
    if reference.edges != current.edges:
        return None
    edges = np.asarray(reference.edges)
    width = float(edges[1] - edges[0])
    bins = list((edges[:-1] + edges[1:]) / 2)
    ref, cur = list(reference.counts), list(current.counts)
    if reference.below or current.below:
        bins, ref, cur = (
            [edges[0] - width / 2, *bins],
            [reference.below, *ref],
            [current.below, *cur],
        )
    if reference.above or current.above:
        bins, ref, cur = (
            [*bins, edges[-1] + width / 2],
            [*ref, reference.above],
            [*cur, current.above],
        )
    return pd.DataFrame(
        {
            "bin": np.asarray(bins, dtype=float),
            "reference": np.asarray(ref, dtype=float) / max(reference.finite, 1),
            "current": np.asarray(cur, dtype=float) / max(current.finite, 1),
        }
    )


def _category_shares(reference: CategoryCounts, current: CategoryCounts) -> pd.DataFrame:
    def known(side: CategoryCounts, value: str) -> bool:
        return value in side.counts or side.other == 0

    values = [
        v
        for v in dict.fromkeys([*reference.counts, *current.counts])
        if known(reference, v) and known(current, v)
    ]
    ref = np.array([reference.counts.get(v, 0) for v in values], dtype=float)
    cur = np.array([current.counts.get(v, 0) for v in values], dtype=float)
    frame = pd.DataFrame(
        {
            "bin": values,
            "reference": ref / max(reference.present, 1),
            "current": cur / max(current.present, 1),
        }
    )
    frame = frame.sort_values(["reference", "current", "bin"], ascending=[False, False, True])
    rest_ref, rest_cur = reference.present - ref.sum(), current.present - cur.sum()
    if rest_ref or rest_cur:
        other = {
            "bin": OTHER,
            "reference": rest_ref / max(reference.present, 1),
            "current": rest_cur / max(current.present, 1),
        }
        frame = pd.concat([frame, pd.DataFrame([other])], ignore_index=True)
    return frame.reset_index(drop=True)


def distribution(
    engine: Engine,
    reference: tuple[int, str],
    current: tuple[int, str],
    column: str,
    kind: str,
) -> pd.DataFrame | None:
    """:func:`pair_shares` of ``column`` for windows ``(id, path)``: stored summaries, else
    (windows stored before migration 0007) from both local files with the reference
    side's bins; None when neither is possible."""
    found = load_summaries(engine, [reference[0], current[0]], [kind], column)
    ref_summary = found.get(reference[0], {}).get((kind, column))
    cur_summary = found.get(current[0], {}).get((kind, column))
    if ref_summary is not None and cur_summary is not None:
        return pair_shares(ref_summary, cur_summary)
    ref_file, cur_file = window_file(reference[1]), window_file(current[1])
    if ref_file is None or cur_file is None:
        return None
    ref_rows = pd.read_parquet(ref_file, columns=[column])[column]
    cur_rows = pd.read_parquet(cur_file, columns=[column])[column]
    if kind == NUMERICAL:
        edges = edges_of(ref_rows)
        if edges is None:
            return None
        return pair_shares(numeric_counts(ref_rows, edges), numeric_counts(cur_rows, edges))
    if kind == CATEGORICAL:
        ref_counts = category_counts(ref_rows)
        return pair_shares(ref_counts, category_counts(cur_rows, tuple(ref_counts.counts)))
    return None


def _performance_summary(engine: Engine, window_id: int, path: str, kind: str) -> Summary | None:
    stored = load_summaries(engine, [window_id], [CONFUSION, RESIDUALS]).get(window_id)
    if stored is None:  # stored before migration 0007
        file = window_file(path)
        if file is None:
            return None
        stored = dict(performance_summaries(pd.read_parquet(file, columns=["label", "prediction"])))
    return stored.get((kind, ""))


def confusion_table(engine: Engine, window_id: int, path: str) -> pd.DataFrame | None:
    """The window's confusion counts: index actual 0/1, columns predicted 0/1 (score >= 0.5),
    as ``app.health.performance.confusion_matrix`` gives them; None without a summary."""
    summary = _performance_summary(engine, window_id, path, CONFUSION)
    if not isinstance(summary, ConfusionCounts):
        return None
    table = pd.DataFrame(summary.counts, index=[0, 1], columns=[0, 1])
    table.index.name, table.columns.name = "actual", "predicted"
    return table


def residual_cells(engine: Engine, window_id: int, path: str) -> ResidualCounts | None:
    """The window's labelled rows per prediction × residual bin; None without any."""
    summary = _performance_summary(engine, window_id, path, RESIDUALS)
    return summary if isinstance(summary, ResidualCounts) else None
