"""``impact.kpi_change``: the KPI's mean over the window against the period before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.health import build_status
from app.health.impact import relative_change
from app.ingest import ingest_file
from tests.ingest.helpers import write

HEADER = "system,timestamp,name,value,unit,direction"
START = datetime(2025, 3, 1, tzinfo=UTC)


def test_relative_change_is_signed_so_that_below_zero_is_worse() -> None:
    assert relative_change(90, 100, "higher_is_better") == pytest.approx(-0.10)
    assert relative_change(110, 100, "lower_is_better") == pytest.approx(-0.10)
    assert relative_change(90, 100, "lower_is_better") == pytest.approx(0.10)
    assert relative_change(-3, -2, "higher_is_better") == pytest.approx(-0.5)  # over |before|
    assert relative_change(5, 0, "higher_is_better") is None
    assert relative_change(float("nan"), 1, "higher_is_better") is None


def _series(system: str, name: str, values: list[float], unit: str, direction: str) -> list[str]:
    return [
        f"{system},{(START + timedelta(days=i)).isoformat()},{name},{v},{unit},{direction}"
        for i, v in enumerate(values)
    ]


def test_status_reads_the_worst_kpi_and_gates_on_it(engine: Engine, tmp_path: Path) -> None:
    # 10 days before the window, 10 in it: losses rise by 20 % (critical), conversion
    # falls by 6 % (warn); the system's value is the worst of the two.
    losses = _series("shop", "losses", [100.0] * 10 + [110.0, 130.0] * 5, "EUR", "lower_is_better")
    conversion = _series("shop", "conversion", [0.05] * 10 + [0.047] * 10, "ratio",
                         "higher_is_better")  # fmt: skip
    calm = _series("calm", "conversion", [0.05] * 20, "ratio", "higher_is_better")
    new = _series("new", "signups", [0] * 10 + [3] * 10, "count", "higher_is_better")
    rows = "\n".join([HEADER, *losses, *conversion, *calm, *new]) + "\n"
    ingest_file("kpis", write(tmp_path, "kpis.csv", rows), engine=engine)

    since, until = START + timedelta(days=10), START + timedelta(days=20)
    report = build_status(engine, since=since, until=until)
    shop = report.system("shop").signal("impact.kpi_change")
    assert shop.value == pytest.approx(-0.20)
    assert shop.status.value == "critical"
    assert report.system("shop").lane("impact").status.value == "critical"
    assert report.system("shop").status.value == "critical"
    calm_signal = report.system("calm").signal("impact.kpi_change")
    assert (calm_signal.value, calm_signal.status.value) == (0.0, "ok")
    # A mean of 0 before: no relative change, so unknown rather than ok.
    assert report.system("new").signal("impact.kpi_change").status.value == "unknown"

    # Half of the rise in the window, the period before flat: losses 9 % up (warn), the
    # conversion 3 % down (ok); the worst decides.
    report = build_status(engine, since=START + timedelta(days=5), until=START + timedelta(days=15))
    assert report.system("shop").signal("impact.kpi_change").value == pytest.approx(-0.09)
    assert report.system("shop").signal("impact.kpi_change").status.value == "warn"
