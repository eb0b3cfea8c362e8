"""Business KPIs: the ``kpis`` kind.

Exact stored values and an idempotent re-ingest (CSV and Parquet), a corrected
value replacing the stored one, located refusals that write nothing, the
command's exit 2, and two ingests of overlapping series at once, on SQLite
and PostgreSQL.
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

HEADER = "system,timestamp,name,value,unit,direction"
KPIS = f"""\
{HEADER}
fraud,2025-03-01,fraud_losses,1840.5,EUR,lower_is_better
fraud,2025-03-02T00:00:00+01:00,fraud_losses,2100,EUR,lower_is_better
shop,2025-03-01T00:00:00Z,conversion,0.031,ratio,higher_is_better
"""


def test_kpis_stored_exactly_and_once(engine: Engine, tmp_path: Path) -> None:
    for path in (write(tmp_path, "kpis.csv", KPIS), as_parquet(tmp_path / "kpis.csv")):
        summary = ingest_twice(engine, "kpis", path)
    assert summary.rows_read == 3
    rows = sorted(stored(engine, "kpi_points"), key=lambda r: r["id"])
    assert [(r["name"], r["timestamp"], r["value"], r["unit"], r["direction"]) for r in rows] == [
        ("fraud_losses", datetime(2025, 3, 1, tzinfo=UTC), 1840.5, "EUR", "lower_is_better"),
        ("fraud_losses", datetime(2025, 3, 1, 23, tzinfo=UTC), 2100.0, "EUR", "lower_is_better"),
        ("conversion", datetime(2025, 3, 1, tzinfo=UTC), 0.031, "ratio", "higher_is_better"),
    ]
    assert {r["name"] for r in stored(engine, "systems")} == {"fraud", "shop"}


def test_a_corrected_value_replaces_the_stored_one(engine: Engine, tmp_path: Path) -> None:
    ingest_file("kpis", write(tmp_path, "a.csv", KPIS), engine=engine)
    fixed = f"{HEADER}\nshop,2025-03-01T00:00:00Z,conversion,0.029,ratio,higher_is_better\n"
    summary = ingest_file("kpis", write(tmp_path, "b.csv", fixed), engine=engine)
    assert summary.rows_written == 1
    values = {r["name"]: r["value"] for r in stored(engine, "kpi_points") if r["unit"] == "ratio"}
    assert values == {"conversion": 0.029}
    assert len(stored(engine, "kpi_points")) == 3


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("fraud,2025-03-03,fraud_losses,,EUR,lower_is_better", "value"),
        ("fraud,2025-03-03,fraud_losses,inf,EUR,lower_is_better", "value"),
        ("fraud,2025-03-03,fraud_losses,a lot,EUR,lower_is_better", "value"),
        ("fraud,2025-03-03,fraud_losses,1,EUR,up", "direction"),
        ("fraud,2025-03-03,,1,EUR,lower_is_better", "name"),
        ("fraud,03/03/2025,fraud_losses,1,EUR,lower_is_better", "timestamp"),
        ("fraud,2025-03-03,fraud_losses,1,USD,lower_is_better", "unit"),
        ("fraud,2025-03-03,fraud_losses,1,EUR,higher_is_better", "direction"),
        ("fraud,2025-03-03,fraud_losses,1,,lower_is_better", "unit"),
    ],
)
def test_bad_kpi_rows_refused_where_they_are(
    engine: Engine, tmp_path: Path, row: str, column: str
) -> None:
    good = "fraud,2025-03-02,fraud_losses,4,EUR,lower_is_better"
    path = write(tmp_path, "kpis.csv", f"{HEADER}\n{good}\n{row}\n")
    rejected(engine, "kpis", path, row=2, column=column)


def test_a_point_twice_in_one_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    row = "fraud,2025-03-01,fraud_losses,4,EUR,lower_is_better"
    path = write(tmp_path, "kpis.csv", f"{HEADER}\n{row}\n{row.replace(',4,', ',5,')}\n")
    rejected(engine, "kpis", path, row=2, column="timestamp")


def test_the_command_exits_2_naming_file_row_and_column(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path, "business.csv", f"{HEADER}\nfraud,2025-03-01,losses,x,EUR,lower_is_better\n"
    )
    done = tandem("ingest", "kpis", str(path))
    assert done.returncode == 2, done.stderr
    assert "business.csv" in done.stderr
    assert "row 1" in done.stderr
    assert 'column "value"' in done.stderr


@pytest.mark.slow
def test_two_kpi_ingests_at_once(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    """Overlapping series from two processes: each (system, name, timestamp) stored once."""
    ingest_file("kpis", write(tmp_path, "seed.csv", KPIS), engine=engine)
    before = counts(engine)["kpi_points"]
    days = [f"2025-04-{d:02d}" for d in range(1, 31)]
    shared = [f"fraud,{day},fraud_losses,{i},EUR,lower_is_better" for i, day in enumerate(days)]
    own_a = [f"fraud,{day},chargebacks,{i},count,lower_is_better" for i, day in enumerate(days)]
    own_b = [
        f"newshop,{day},conversion,0.0{i % 9 + 1},ratio,higher_is_better"
        for i, day in enumerate(days)
    ]
    a = write(tmp_path, "a.csv", "\n".join([HEADER, *shared, *own_a]) + "\n")
    b = write(tmp_path, "b.csv", "\n".join([HEADER, *shared, *own_b]) + "\n")
    for done in race(tmp_path, ["ingest", "kpis", str(a)], ["ingest", "kpis", str(b)]):
        assert done.returncode == 0, done.stderr
    assert counts(engine)["kpi_points"] == before + 3 * len(days)
