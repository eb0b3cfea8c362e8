"""``tandem import-prometheus``: golden signals from a Prometheus server as health samples.

Bad input (dates, step, mapping, an unreachable server, a PromQL error)
exits 2 with Prometheus' own message and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("import-prometheus")
@click.option("--url", required=True, help="Prometheus base URL, e.g. http://localhost:9090.")
@click.option("--system", required=True, help="System the samples belong to (created if new).")
@click.option("--since", required=True, help="Start, ISO 8601 (UTC if no zone).")
@click.option("--until", required=True, help="End (excluded), ISO 8601 (UTC if no zone).")
@click.option(
    "--step", default="60s", show_default=True, help="Interval of one sample: 60s, 5m, 1h."
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML file of PromQL queries per column (default: README.md, Prometheus).",
)
def import_prometheus(
    url: str, system: str, since: str, until: str, step: str, mapping: Path | None
) -> None:
    """Import requests, errors, latency percentiles, CPU and memory from Prometheus.

    One sample per STEP interval of [SINCE, UNTIL); re-importing adds nothing.
    """
    from app.ingest.prometheus import import_prometheus as run_import
    from app.ingest.prometheus_api import parse_step, parse_time
    from app.ingest.prometheus_queries import load_mapping
    from app.store.migrate import ensure_current

    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    seconds = parse_step(step)
    queries = load_mapping(mapping)
    ensure_current()
    summary = run_import(
        url,
        system=system,
        since=start,
        until=end,
        step=seconds,
        queries=queries,
        progress=True,
    )
    click.echo(summary.describe())
