"""`tandem thresholds set` takes a delivery signal's old key for one release (DORA's names)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from app.cli import cli
from app.health.catalog import ALIASES, SIGNALS_BY_KEY
from app.health.threshold_edits import change_history


@pytest.mark.parametrize(("old", "new"), sorted(ALIASES.items()))
def test_set_under_an_old_key_sets_the_new_one(sqlite_engine: Engine, old: str, new: str) -> None:
    warn = SIGNALS_BY_KEY[new].critical  # a warn bound equal to critical: no warn band, valid
    result = CliRunner().invoke(cli, ["thresholds", "set", old, "--warn", str(warn)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{new} (global default)")
    (change,) = change_history(sqlite_engine)
    assert (change.signal, change.new_warn) == (new, warn)
    listed = CliRunner().invoke(cli, ["thresholds", "list", "--format", "json"])
    rows = {r["signal"]: r for r in json.loads(listed.stdout) if r["scope"] == ""}
    assert (rows[new]["warn"], rows[new]["source"]) == (warn, "global")
    assert old not in rows
