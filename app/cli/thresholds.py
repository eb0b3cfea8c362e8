"""``tandem thresholds list|set`` and ``tandem check``, the CI gate.

``set`` goes through the same service as the Thresholds page (validation,
optimistic locking, audit row); ``check`` uses ``app.health.build_status``, the
one implementation of "is this healthy".

``tandem check`` exits 0 when no signal breaches (unknown signals do not fail
the gate), 1 when any signal is critical (or warn, with ``--strict``), 2 on
bad input (an unknown system, or a database without systems).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from app.cli.group import EXIT_BAD_INPUT, EXIT_FOUND, EXIT_OK, BadInput, fail, text_table
from app.cli.options import checked_system
from app.cli.output import json_text

if TYPE_CHECKING:
    from app.health import StatusReport
    from app.health.thresholds import ThresholdSpec


def cli_user() -> str:
    """Who the audit trail names for a CLI change: ``$USER``, else "cli"."""
    return os.environ.get("USER") or "cli"


def _source(spec: ThresholdSpec) -> str:
    if spec.scope is None:
        return "default"
    return "global" if spec.scope == "" else "system"


def _spec_dict(spec: ThresholdSpec, scope: str) -> dict[str, Any]:
    return {
        "scope": scope,
        "signal": spec.signal,
        "direction": spec.direction,
        "warn": spec.warn,
        "critical": spec.critical,
        "unit": spec.unit,
        "source": _source(spec),
        "version": spec.version if spec.scope == scope else 0,
    }


@click.group()
def thresholds() -> None:
    """The warn/critical bounds every signal is evaluated against."""


@thresholds.command("list")
@click.option(
    "--system", default=None, callback=checked_system, help="The bounds in force for this system."
)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def list_thresholds(system: str | None, fmt: str) -> None:
    """Every signal's bounds: global (plus system overrides), or one system's in force.

    ``source`` says where a bound comes from: the built-in ``default``, the
    ``global`` row, or the ``system``'s own row.
    """
    from app.health.threshold_edits import all_overrides, thresholds_at
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    engine = get_engine()
    if system is not None:
        rows = [_spec_dict(s, system) for s in thresholds_at(engine, system)]
    else:
        rows = [_spec_dict(s, "") for s in thresholds_at(engine, "")]
        rows += [_spec_dict(s, s.scope or "") for s in all_overrides(engine) if s.scope]
    if fmt == "json":
        click.echo(json_text(rows))
        return
    header = ("SCOPE", "SIGNAL", "DIRECTION", "WARN", "CRITICAL", "UNIT", "SOURCE")
    click.echo(
        text_table(
            header,
            [
                (
                    r["scope"] or "(global)",
                    r["signal"],
                    r["direction"],
                    f"{r['warn']:g}",
                    f"{r['critical']:g}",
                    r["unit"],
                    r["source"],
                )
                for r in rows
            ],
        )
    )


@thresholds.command("set")
@click.argument("signal")
@click.option("--warn", type=float, default=None, help="Warn bound (default: unchanged).")
@click.option("--critical", type=float, default=None, help="Critical bound (default: unchanged).")
@click.option(
    "--system",
    default=None,
    callback=checked_system,
    help="Set it for this system only (default: global).",
)
@click.option("--reason", default="", help="Why, for the audit trail.")
def set_threshold(
    signal: str, warn: float | None, critical: float | None, system: str | None, reason: str
) -> None:
    """Set SIGNAL's bounds (validated and audited, as in the Thresholds page).

    A key renamed to DORA's name in this release is still accepted (see README).
    """
    from app.health.catalog import canonical_key
    from app.health.threshold_edits import (
        EDITOR,
        ConcurrentEditError,
        ThresholdValidationError,
        save_threshold,
        thresholds_at,
        version_at,
    )
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    if warn is None and critical is None:
        raise BadInput("give --warn, --critical or both")
    ensure_current()
    engine = get_engine()
    scope = "" if system is None else system
    signal = canonical_key(signal)
    current = {s.signal: s for s in thresholds_at(engine, scope)}
    if signal not in current:
        raise BadInput(f"unknown signal {signal!r} (see `tandem thresholds list`)")
    spec = current[signal]
    new_warn = spec.warn if warn is None else warn
    new_critical = spec.critical if critical is None else critical
    try:
        saved = save_threshold(
            engine,
            scope,
            signal,
            new_warn,
            new_critical,
            version_at(spec, scope),
            cli_user(),
            EDITOR,
            reason,
        )
    except (ThresholdValidationError, ConcurrentEditError) as error:
        fail(str(error), EXIT_BAD_INPUT)
    where = system or "global default"
    click.echo(
        f"{signal} ({where}): warn {spec.warn:g} → {saved.warn:g}, "
        f"critical {spec.critical:g} → {saved.critical:g} (version {saved.version})"
    )


def breaching_rows(report: StatusReport, strict: bool) -> list[tuple[str, ...]]:
    """(system, signal, value, status, warn, critical) of every failing signal."""
    failing = {"critical", "warn"} if strict else {"critical"}
    rows: list[tuple[str, ...]] = []
    for system in report.systems:
        for lane in system.lanes.values():
            for stage in lane.stages.values():
                for s in stage.signals:
                    if str(s.status) in {"warn", "critical"}:
                        rows.append(
                            (
                                system.system,
                                s.key,
                                s.display,
                                str(s.status),
                                f"{s.warn:g}",
                                f"{s.critical:g}",
                                "FAIL" if str(s.status) in failing else "",
                            )
                        )
    return rows


@click.command()
@click.option(
    "--system",
    default=None,
    callback=checked_system,
    help="Only this system (default: every system).",
)
@click.option("--strict", is_flag=True, help="Fail on warn as well as on critical.")
def check(system: str | None, strict: bool) -> None:
    """CI gate: exit 1 when any signal is critical (or warn, with --strict), else 0.

    Prints a table of the signals at warn or critical; the FAIL column marks
    the ones that fail the gate. Signals without data do not fail it.
    """
    from app.health import build_status
    from app.store.migrate import ensure_current

    ensure_current()
    report = build_status(system=system)
    if not report.systems:
        raise BadInput("no systems to check: load data first (`tandem ingest`)")
    rows = breaching_rows(report, strict)
    failed = any(r[-1] == "FAIL" for r in rows)
    total = sum(
        len(stage.signals)
        for s in report.systems
        for lane in s.lanes.values()
        for stage in lane.stages.values()
    )
    window = f"{report.window.since:%Y-%m-%d %H:%M} .. {report.window.until:%Y-%m-%d %H:%M} UTC"
    if rows:
        header = ("SYSTEM", "SIGNAL", "VALUE", "STATUS", "WARN", "CRITICAL", "GATE")
        click.echo(text_table(header, rows))
    verdict = "FAILED" if failed else "passed"
    click.echo(
        f"check {verdict}: {sum(r[-1] == 'FAIL' for r in rows)} failing of {total} signals in "
        f"{len(report.systems)} system(s), window {window}"
        + (" (strict: warn fails too)" if strict else "")
    )
    sys.exit(EXIT_FOUND if failed else EXIT_OK)
