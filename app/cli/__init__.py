"""The ``tandem`` command: one module per command (or group of commands).

``group.py`` holds the group, the exit codes (DESIGN.md: 0 success, 1 a check
found something, 2 bad input or usage, 3 internal error) and the error
handling every command shares; ``options.py`` the shared option checks and
``output.py`` the one JSON writer. Each other module holds its commands, added
to the group here. Commands import heavy modules inside their bodies, so
``tandem --help`` stays instant.
"""

from __future__ import annotations

from app.cli.group import cli, main
from app.cli.output import json_text

__all__ = ["cli", "json_text", "main"]


def _register_commands() -> None:
    # Imported here, not at module level, so the names of the submodules
    # (app.cli.drift, app.cli.runs, ...) are not shadowed by the commands.
    from app.cli.alerts import alert_rules, exporter
    from app.cli.budget import budget
    from app.cli.db import db
    from app.cli.drift import drift
    from app.cli.gc import gc
    from app.cli.ingest import ingest
    from app.cli.mlflow import import_mlflow
    from app.cli.prometheus import import_prometheus
    from app.cli.runs import runs
    from app.cli.seed import sample_data, seed
    from app.cli.serve import serve
    from app.cli.slo import slo
    from app.cli.status import status
    from app.cli.thresholds import check, thresholds

    for command in (
        db,
        seed,
        ingest,
        status,
        gc,
        sample_data,
        serve,
        drift,
        runs,
        import_mlflow,
        import_prometheus,
        thresholds,
        check,
        slo,
        budget,
        exporter,
        alert_rules,
    ):
        cli.add_command(command)


_register_commands()
