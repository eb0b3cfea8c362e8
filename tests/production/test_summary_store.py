"""Window summaries through the ingest, on SQLite and PostgreSQL: stored with the window's
results, on the reference's bins, and recomputed when a reference arrives later."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.ingest import ingest_file
from app.production.read_drift import windows
from app.production.summaries import (
    CATEGORICAL,
    CONFUSION,
    NUMERICAL,
    RESIDUALS,
    CategoryCounts,
    ConfusionCounts,
    NumericCounts,
    numeric_edges,
)
from app.production.summary_store import load_summaries
from tests.production.test_pipeline import ROWS, production

REFERENCE = [
    "2025-02-01T08:00:00Z,7,0.8,1,r1,eu,0,FR",
    "2025-02-01T09:00:00Z,7,0.3,0,r2,us,100,US",
    "2025-02-01T10:00:00Z,7,0.6,1,r3,eu,50,US",
    "2025-02-01T11:00:00Z,7,0.1,0,r4,us,50,FR",
    "2025-02-01T12:00:00Z,7,0.7,1,r5,eu,50,US",
    "2025-02-01T13:00:00Z,7,0.2,0,r6,eu,50,FR",
]  # country: 2 values in 6 rows, categorical (Evidently's rule; in 3 rows it is text)
KINDS = (NUMERICAL, CATEGORICAL, CONFUSION, RESIDUALS)


def _ids(engine: Engine) -> tuple[int, list[int]]:
    frame = windows(engine, "checkout")
    reference = int(frame.loc[frame["is_reference"], "id"].iloc[0])
    return reference, [int(i) for i in frame.loc[~frame["is_reference"], "id"]]


@pytest.mark.parametrize("reference_first", [True, False])
def test_windows_are_summarised_on_their_reference_s_bins(
    engine: Engine, tmp_path: Path, data_dir: Path, reference_first: bool
) -> None:
    reference = production(tmp_path, REFERENCE, name="reference.csv")
    current = production(tmp_path, ROWS)
    order = [(reference, True), (current, False)]
    for path, is_reference in order if reference_first else order[::-1]:
        ingest_file("production", path, system="checkout", reference=is_reference, engine=engine)
    reference_id, window_ids = _ids(engine)
    stored = load_summaries(engine, [reference_id, *window_ids], KINDS)

    edges = numeric_edges(0.0, 100.0)
    ref_amount = stored[reference_id][(NUMERICAL, "amount")]
    assert isinstance(ref_amount, NumericCounts)
    assert ref_amount.edges == edges
    assert (ref_amount.counts[0], ref_amount.counts[15], ref_amount.counts[-1]) == (1, 4, 1)
    day_1, _, day_3 = window_ids  # day 1: 10.5, 20, missing, 30 (the +02:00 row)
    amount = stored[day_1][(NUMERICAL, "amount")]
    assert isinstance(amount, NumericCounts)
    assert amount.edges == edges
    assert (sum(amount.counts), amount.below, amount.above, amount.missing) == (3, 0, 0, 1)
    late = stored[day_3][(NUMERICAL, "amount")]
    assert isinstance(late, NumericCounts)
    assert (sum(late.counts), late.above) == (0, 1)  # 1000: past the reference's range

    country = stored[day_1][(CATEGORICAL, "country")]
    assert isinstance(country, CategoryCounts)
    assert dict(country.counts) == {"FR": 2, "US": 1}  # the reference keeps FR and US
    assert (country.other, country.missing) == (0, 1)
    confusion = stored[day_1][(CONFUSION, "")]
    assert isinstance(confusion, ConfusionCounts)
    assert confusion.counts == ((1, 0), (0, 1))
    assert (RESIDUALS, "") in stored[day_1]
    assert (RESIDUALS, "") not in stored[day_3]  # no labelled row


def test_re_ingesting_a_window_replaces_its_summaries(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    reference = production(tmp_path, REFERENCE, name="reference.csv")
    ingest_file("production", reference, system="checkout", reference=True, engine=engine)
    ingest_file("production", production(tmp_path, ROWS[:2]), system="checkout", engine=engine)
    more = production(tmp_path, ["2025-03-01T11:00:00Z,7,0.8,0,p9,us,60,DE"], name="more.csv")
    ingest_file("production", more, system="checkout", engine=engine)
    _, (day_1,) = _ids(engine)
    stored = load_summaries(engine, [day_1], KINDS)[day_1]
    amount = stored[(NUMERICAL, "amount")]
    assert isinstance(amount, NumericCounts)
    assert sum(amount.counts) == 3  # the merged day's three rows, once
    confusion = stored[(CONFUSION, "")]
    assert isinstance(confusion, ConfusionCounts)
    assert confusion.counts == ((1, 1), (0, 1))
