"""The ``tandem`` command.

Exit codes are a contract (DESIGN.md): 0 success, 1 a check found something,
2 bad input or usage, 3 internal error. Heavy modules are imported inside the
commands so that ``tandem --help`` stays instant.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from app.cli_options import checked_system
from app.cli_output import json_text

EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

KINDS = (
    "pipelines",
    "deployments",
    "incidents",
    "health",
    "datasets",
    "runs",
    "metrics",
    "models",
    "production",
)


class TandemGroup(click.Group):
    """Maps errors to the documented exit codes instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        from app.store.db import SchemaOutOfDateError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SchemaOutOfDateError as error:
            _fail(str(error), EXIT_BAD_INPUT)
        except (ValueError, LookupError, FileNotFoundError) as error:
            _fail(str(error), EXIT_BAD_INPUT)
        except Exception as error:  # the contract: internal errors exit 3, with a message
            logging.getLogger(__name__).debug("internal error", exc_info=True)
            _fail(_internal_message(error), EXIT_INTERNAL)


def _internal_message(error: BaseException) -> str:
    """One line for exit 3: an outage (database away, disk full) as such, else the error."""
    from app.config import load_settings
    from app.store.availability import unavailable, where

    reason = unavailable(error)
    if reason is not None:
        return f"database unavailable ({where(load_settings().database_url)}): {reason}"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"no space left on device (data directory {load_settings().data_dir}): {error}"
    return f"internal error: {error!r}"


class BadInput(click.UsageError):
    """Usage and input errors exit 2, as click's own usage errors do."""

    exit_code = EXIT_BAD_INPUT


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _parse_time(value: str | None, name: str) -> datetime | None:
    from app.health.window import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value, name)
    except ValueError as error:
        raise BadInput(str(error)) from None


@click.group(cls=TandemGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose: bool) -> None:
    """Tandem: DevOps and MLOps lifecycle health, side by side."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the configured database to the newest schema."""
    from app.store.db import get_engine
    from app.store.migrate import current_revision, upgrade

    engine = get_engine()
    upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    click.echo(f"{where} is at revision {current_revision(engine)}")


@cli.command()
@click.option("--force", is_flag=True, help="Load the sample data even into a non-empty database.")
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    default=None,
    help="Sample data directory (default: the bundled sample_data/).",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    help="The seed's clock, ISO 8601 (default: now); the data ends at 00:00 UTC of its day.",
)
def seed(force: bool, source: Path | None, now_text: str | None) -> None:
    """Load the sample data, ending at the start of today, UTC (idempotent, resumable)."""
    from app.ingest import IngestError
    from app.seed import SeedInterrupted, seed_database

    now = _parse_time(now_text, "--now")
    try:
        result = seed_database(source=source, force=force, progress=True, now=now)
    except SeedInterrupted as error:
        if isinstance(error.cause, IngestError | FileNotFoundError):
            _fail(str(error), EXIT_BAD_INPUT)
        _fail(f"{_internal_message(error.cause)} -- {error.advice}", EXIT_INTERNAL)
    click.echo(result.describe())


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--system", default=None, help="System the rows belong to (created if new).")
@click.option(
    "--reference", is_flag=True, help="production only: the model version's reference data."
)
def ingest(kind: str, path: Path, system: str | None, reference: bool) -> None:
    """Load a CSV or Parquet file of KIND (formats: docs/data-formats.md)."""
    from app.ingest import IngestError, ingest_file
    from app.store.migrate import ensure_current

    ensure_current()
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    try:
        summary = ingest_file(kind, path, system=system, reference=reference, progress=True)
    except IngestError as error:
        _fail(str(error), EXIT_BAD_INPUT)
    click.echo(
        f"{path}: {summary.rows_read} rows read, {summary.rows_written} written"
        + (f", {summary.windows} windows" if kind == "production" else "")
        + (
            f"; new systems: {', '.join(summary.systems_created)}"
            if summary.systems_created
            else ""
        )
    )


@cli.command()
@click.option("--system", default=None, callback=checked_system, help="Only this system.")
@click.option("--since", default=None, help="Window start, ISO 8601 (default: until − 30 days).")
@click.option("--until", default=None, help="Window end, ISO 8601 (default: the newest data).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def status(system: str | None, since: str | None, until: str | None, fmt: str) -> None:
    """Every stage's status and signal values, per system."""
    from app.health import build_status, format_table
    from app.store.migrate import ensure_current

    ensure_current()
    start, end = _parse_time(since, "--since"), _parse_time(until, "--until")
    if start and end and start >= end:
        raise BadInput("--since must be before --until")
    report = build_status(system=system, since=start, until=end)
    if fmt == "json":
        click.echo(json_text(report.to_dict()))
    else:
        click.echo(format_table(report))


@cli.command()
@click.option("--dry-run", is_flag=True, help="List the files, remove nothing.")
def gc(dry_run: bool) -> None:
    """Remove window files no window points at (left by an interrupted ingest)."""
    from app.config import load_settings
    from app.production.files import collect_garbage
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    orphans = collect_garbage(get_engine(), load_settings().data_dir, dry_run=dry_run)
    for orphan in orphans:
        click.echo(orphan.path)
    size = sum(o.size for o in orphans) / 1e6
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(orphans)} file(s), {size:.1f} MB", err=True)


@cli.command("sample-data")
@click.option("--out", type=click.Path(path_type=Path), default=Path("sample_data"))
def sample_data(out: Path) -> None:
    """Regenerate the committed sample data (deterministic)."""
    from app.sample_data import generate

    generate(out)
    click.echo(f"sample data written to {out}")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", type=int, default=None, help="Port (default: Streamlit's, 8501).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 for every interface (see README, Serving on the network).",
)
@click.option("--no-seed", is_flag=True, help="Do not seed an empty database.")
@click.pass_context
def serve(ctx: click.Context, port: int | None, host: str, no_seed: bool) -> None:
    """Migrate (and seed an empty) database, then run the dashboard.

    Listens on 127.0.0.1 (this machine only) unless --host says otherwise, whatever
    the current directory's Streamlit config says. Without [auth] login, visitors
    are editors on loopback and viewers beyond it (TANDEM_ANONYMOUS_ROLE overrides).
    """
    from app.config import PROJECT_ROOT, load_settings
    from app.roles import anonymous_role, is_loopback
    from app.seed import needs_seed, seed_database
    from app.store.migrate import upgrade

    if any(arg.split("=", 1)[0] == "--server.address" for arg in ctx.args):
        raise BadInput("give the address as --host, not --server.address")
    try:
        role = anonymous_role(host, load_settings().anonymous_role)
    except ValueError as error:
        raise BadInput(str(error)) from None
    upgrade()
    if not no_seed and needs_seed():  # empty, or a seed that stopped half-way
        click.echo("Loading the sample data (once)...")
        click.echo(seed_database(progress=True).describe())
    entry = str(PROJECT_ROOT / "streamlit_app.py")
    args = [sys.executable, "-m", "app.ui.launch", "run", entry]  # Streamlit, imports done
    if port is not None:
        args += ["--server.port", str(port)]
    args += ["--server.address", host, *ctx.args]
    if not is_loopback(host):
        click.echo(
            f"Listening on {host}: without [auth] login every visitor is "
            f"{'an editor' if role == 'editor' else 'a viewer'} (TANDEM_ANONYMOUS_ROLE sets it)."
        )
    os.execv(sys.executable, args)


def _register_subcommands() -> None:
    """Commands that live in their own modules (one per area), added to the group."""
    from app.cli_drift import drift
    from app.cli_mlflow import import_mlflow
    from app.cli_prometheus import import_prometheus
    from app.cli_runs import runs
    from app.cli_thresholds import check, thresholds

    cli.add_command(drift)
    cli.add_command(runs)
    cli.add_command(import_mlflow)
    cli.add_command(import_prometheus)
    cli.add_command(thresholds)
    cli.add_command(check)


_register_subcommands()


def main() -> None:
    cli(prog_name="tandem")


if __name__ == "__main__":
    main()
