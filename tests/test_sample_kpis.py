"""The sample data's KPI series: the planted business drops, where the story puts them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.health.impact import relative_change
from app.sample_data.story import CHECKOUT, DEMAND, FRAUD, START

KPIS = Path(__file__).resolve().parents[1] / "sample_data" / "kpis.csv"


@pytest.fixture(scope="module")
def kpis() -> pd.DataFrame:
    frame = pd.read_csv(KPIS, parse_dates=["timestamp"])
    frame["day"] = (frame["timestamp"] - pd.Timestamp(START, unit="s", tz="UTC")).dt.days
    return frame


def change(kpis: pd.DataFrame, system: str, since: int, until: int) -> float | None:
    """``impact.kpi_change`` of ``system``'s KPI over story days ``[since, until)``."""
    series = kpis[kpis["system"] == system]
    now = series[(series["day"] >= since) & (series["day"] < until)]["value"].mean()
    before = series[(series["day"] >= 2 * since - until) & (series["day"] < since)]["value"]
    return relative_change(now, before.mean(), series["direction"].iloc[0])


def test_one_daily_kpi_per_system_over_the_ninety_days(kpis: pd.DataFrame) -> None:
    assert kpis.groupby(["system", "name"]).size().to_dict() == {
        (CHECKOUT, "conversion_rate"): 90,
        (DEMAND, "stockouts"): 90,
        (FRAUD, "fraud_losses"): 90,
    }
    assert (kpis["timestamp"] == kpis["timestamp"].dt.floor("D")).all()


def test_the_planted_drops_fall_on_their_days(kpis: pd.DataFrame) -> None:
    def values(system: str) -> pd.Series:
        return kpis[kpis["system"] == system].set_index("day")["value"]

    conversion, losses, stockouts = values(CHECKOUT), values(FRAUD), values(DEMAND)
    # checkout broken from the bad release (day 86, 13:40) to the end
    assert conversion[87:].max() < 0.5 * conversion[:86].min()
    # fraud-model v4 served from day 75 08:00 to day 76 02:00
    assert losses[75] > 3 * losses.drop([75, 76]).max()
    assert losses[76] > 1.2 * losses.drop([75, 76]).max()
    assert stockouts[89] > 3 * stockouts[:89].max() / 1.2  # the promotion day


@pytest.mark.parametrize("system", [CHECKOUT, FRAUD, DEMAND])
def test_the_last_thirty_days_read_warn_and_the_month_before_ok(
    kpis: pd.DataFrame, system: str
) -> None:
    last = change(kpis, system, 60, 90)
    assert last is not None
    assert -0.15 < last < -0.05  # the built-in bounds: warn, not critical
    before = change(kpis, system, 30, 60)
    assert before is not None
    assert before > -0.05
