"""Costs: the ``costs`` kind (bills) and the cost columns of ``runs``.

Exact stored values and an idempotent re-ingest, located refusals that write
nothing, and two ingests of overlapping bills at once, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.ingest import ingest_file
from tests.ingest.helpers import as_parquet, counts, stored, write
from tests.ingest.processes import race, tandem
from tests.ingest.test_bad_input import rejected
from tests.ingest.test_fixed_kinds import ingest_twice

COSTS_HEADER = "system,date,category,amount,currency"
COSTS = f"""\
{COSTS_HEADER}
fraud,2025-03-01,training,120.5,eur
fraud,2025-03-01,serving,40,EUR
fraud,2025-03-01T00:00:00+00:00,serving,12,USD
fraud,2025-03-02,storage,3.25,EUR
"""
RUNS_HEADER = (
    "system,run_id,experiment,started_at,finished_at,status,code_commit,train_dataset,"
    "eval_dataset,trigger,cost,currency,compute_hours"
)


def test_costs_stored_exactly_and_once(engine: Engine, tmp_path: Path) -> None:
    for path in (write(tmp_path, "costs.csv", COSTS), as_parquet(tmp_path / "costs.csv")):
        summary = ingest_twice(engine, "costs", path)
    assert summary.rows_read == 4
    rows = sorted(stored(engine, "cost_entries"), key=lambda r: (r["day"], r["id"]))
    assert [(r["day"], r["category"], r["amount"], r["currency"]) for r in rows] == [
        (datetime(2025, 3, 1, tzinfo=UTC), "training", 120.5, "EUR"),
        (datetime(2025, 3, 1, tzinfo=UTC), "serving", 40.0, "EUR"),
        (datetime(2025, 3, 1, tzinfo=UTC), "serving", 12.0, "USD"),
        (datetime(2025, 3, 2, tzinfo=UTC), "storage", 3.25, "EUR"),
    ]


def test_a_corrected_bill_replaces_the_amount(engine: Engine, tmp_path: Path) -> None:
    ingest_file("costs", write(tmp_path, "a.csv", COSTS), engine=engine)
    fixed = f"{COSTS_HEADER}\nfraud,2025-03-01,training,99,EUR\n"
    summary = ingest_file("costs", write(tmp_path, "b.csv", fixed), engine=engine)
    assert summary.rows_written == 1
    amounts = {(r["category"], r["currency"]): r["amount"] for r in stored(engine, "cost_entries")}
    assert amounts[("training", "EUR")] == 99.0
    assert len(amounts) == 4


def test_run_costs(engine: Engine, tmp_path: Path) -> None:
    runs = f"""\
{RUNS_HEADER}
fraud,r1,fraud-gbm,2025-02-28T01:00:00Z,2025-02-28T02:00:00Z,FINISHED,,,,,41.2,usd,3.5
fraud,r2,fraud-gbm,2025-02-28T03:00:00Z,,FAILED,,,,,,,
"""
    ingest_twice(engine, "runs", write(tmp_path, "runs.csv", runs))
    first, second = stored(engine, "training_runs")
    assert (first["cost"], first["currency"], first["compute_hours"]) == (41.2, "USD", 3.5)
    assert (second["cost"], second["currency"], second["compute_hours"]) == (None, None, None)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("fraud,2025-03-01T10:00:00Z,serving,4,EUR", "date"),
        ("fraud,2025-03-01,hosting,4,EUR", "category"),
        ("fraud,2025-03-01,serving,-4,EUR", "amount"),
        ("fraud,2025-03-01,serving,4,EU", "currency"),
        ("fraud,2025-03-01,serving,4,EUR1", "currency"),
        ("fraud,2025-03-01,serving,4,€", "currency"),
        ("fraud,2025-03-01,serving,4,", "currency"),
        ("fraud,2025-03-01,serving,nan,EUR", "amount"),
    ],
)
def test_bad_bills_refused_where_they_are(
    engine: Engine, tmp_path: Path, row: str, column: str
) -> None:
    good = "fraud,2025-02-28,serving,4,EUR"
    path = write(tmp_path, "costs.csv", f"{COSTS_HEADER}\n{good}\n{row}\n")
    rejected(engine, "costs", path, row=2, column=column)


def test_a_bill_twice_in_one_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    row = "fraud,2025-03-01,serving,4,EUR"
    path = write(tmp_path, "costs.csv", f"{COSTS_HEADER}\n{row}\n{row.replace('4', '5')}\n")
    rejected(engine, "costs", path, row=2, column="currency")


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ("12,,", "currency"),
        ("12,EURO,", "currency"),
        ("-1,EUR,", "cost"),
        ("1,EUR,-2", "compute_hours"),
    ],
)
def test_bad_run_costs_refused(engine: Engine, tmp_path: Path, values: str, column: str) -> None:
    row = f"fraud,r1,fraud-gbm,2025-02-28T01:00:00Z,,FINISHED,,,,,{values}"
    path = write(tmp_path, "runs.csv", f"{RUNS_HEADER}\n{row}\n")
    rejected(engine, "runs", path, row=1, column=column)


def test_the_command_exits_2_naming_file_row_and_column(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bills.csv", f"{COSTS_HEADER}\nfraud,2025-03-01T09:30:00Z,other,1,EUR\n")
    done = tandem("ingest", "costs", str(path))
    assert done.returncode == 2, done.stderr
    assert "bills.csv" in done.stderr
    assert "row 1" in done.stderr
    assert 'column "date"' in done.stderr


@pytest.mark.slow
def test_two_cost_ingests_at_once(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """Overlapping bills from two processes: each (day, category, currency) stored once."""
    ingest_file("costs", write(tmp_path, "seed.csv", COSTS), engine=engine)
    before = counts(engine)["cost_entries"]
    days = [f"2025-04-{d:02d}" for d in range(1, 31)]
    shared = [f"fraud,{day},serving,{i},EUR" for i, day in enumerate(days)]
    own_a = [f"fraud,{day},training,{i},EUR" for i, day in enumerate(days)]
    own_b = [f"fraud,{day},storage,{i},EUR" for i, day in enumerate(days)]
    a = write(tmp_path, "a.csv", "\n".join([COSTS_HEADER, *shared, *own_a]) + "\n")
    b = write(tmp_path, "b.csv", "\n".join([COSTS_HEADER, *shared, *own_b]) + "\n")
    for done in race(tmp_path, ["ingest", "costs", str(a)], ["ingest", "costs", str(b)]):
        assert done.returncode == 0, done.stderr
    assert counts(engine)["cost_entries"] == before + 3 * len(days)
