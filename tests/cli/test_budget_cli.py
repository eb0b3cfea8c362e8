"""`tandem budget list|set` end to end (exit codes 0 and 2; nothing written on 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from app.cli import cli
from app.health.budgets import budget_history
from app.store.db import session_scope
from app.store.models import System


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def shop(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as s:
        s.add(System(name="shop"))
    return sqlite_engine


def _listed() -> list[dict[str, object]]:
    result = _invoke("budget", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_set_then_change_then_list(shop: Engine) -> None:
    assert _listed() == []
    first = _invoke("budget", "set", "--system", "shop", "--amount", "6000", "--currency", "eur",
                    "--reason", "FY27")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "(new) → 6,000.00 EUR a month (version 1)" in first.output
    again = _invoke("budget", "set", "--system", "shop", "--amount", "7500.5")
    assert again.exit_code == 0, again.output
    assert "6,000.00 EUR a month → 7,500.50 EUR a month (version 2)" in again.output
    (row,) = _listed()
    assert (row["system"], row["amount"], row["currency"], row["version"]) == (
        "shop", 7500.5, "EUR", 2,
    )  # fmt: skip
    assert [c.reason for c in budget_history(shop, "shop")] == ["", "FY27"]
    table = _invoke("budget", "list")
    assert "7,500.50" in table.output
    assert "shop" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--system", "shop", "--amount", "10"), "a new budget needs --currency"),
        (("--system", "shop", "--amount", "-1", "--currency", "EUR"), "above 0"),
        (("--system", "shop", "--amount", "nan", "--currency", "EUR"), "above 0"),
        (("--system", "shop", "--amount", "10", "--currency", "EURO"), "three-letter"),
        (("--system", "nowhere", "--amount", "10", "--currency", "EUR"), "no system named"),
        (("--system", " ", "--amount", "10", "--currency", "EUR"), "--system"),
    ],
)
def test_bad_budgets_exit_2_and_write_nothing(
    shop: Engine, args: tuple[str, ...], message: str
) -> None:
    result = _invoke("budget", "set", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert _listed() == []
    assert budget_history(shop) == []
