"""``tandem status``: every stage's status and signal values, per system."""

from __future__ import annotations

import click

from app.cli.group import BadInput, parse_time
from app.cli.options import checked_system
from app.cli.output import json_text


@click.command()
@click.option("--system", default=None, callback=checked_system, help="Only this system.")
@click.option("--since", default=None, help="Window start, ISO 8601 (default: until − 30 days).")
@click.option("--until", default=None, help="Window end, ISO 8601 (default: the newest data).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def status(system: str | None, since: str | None, until: str | None, fmt: str) -> None:
    """Every stage's status and signal values, per system."""
    from app.health import build_status, format_table
    from app.store.migrate import ensure_current

    ensure_current()
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    if start and end and start >= end:
        raise BadInput("--since must be before --until")
    report = build_status(system=system, since=start, until=end)
    if fmt == "json":
        click.echo(json_text(report.to_dict()))
    else:
        click.echo(format_table(report))
