"""The ``tandem`` group, and what every command shares: exit codes and error handling.

Exit codes are a contract (DESIGN.md): 0 success, 1 a check found something,
2 bad input or usage, 3 internal error. Heavy modules are imported inside the
commands so that ``tandem --help`` stays instant. The commands live in their
own modules of this package and are added to the group in ``app/cli/__init__.py``.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

import click

EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class TandemGroup(click.Group):
    """Maps errors to the documented exit codes instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        from app.store.db import SchemaOutOfDateError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SchemaOutOfDateError as error:
            fail(str(error), EXIT_BAD_INPUT)
        except (ValueError, LookupError, FileNotFoundError) as error:
            fail(str(error), EXIT_BAD_INPUT)
        except Exception as error:  # the contract: internal errors exit 3, with a message
            logging.getLogger(__name__).debug("internal error", exc_info=True)
            fail(internal_message(error), EXIT_INTERNAL)


def internal_message(error: BaseException) -> str:
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


def fail(message: str, code: int) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 option value as an aware UTC instant; bad input exits 2 naming ``name``."""
    from app.health.window import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value, name)
    except ValueError as error:
        raise BadInput(str(error)) from None


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned, space-separated columns under ``header``."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


@click.group(cls=TandemGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose: bool) -> None:
    """Tandem: DevOps and MLOps lifecycle health, side by side."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def main() -> None:
    """The ``tandem`` console script."""
    cli(prog_name="tandem")
