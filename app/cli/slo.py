"""``tandem slo list|set``: a system's SLO objects from the command line.

``set`` goes through the service the Service health page uses
(``app.health.slo_edits.save_slo``: validation, optimistic locking, audit row).
Exit codes: 0 done, 2 bad input (an unknown system, an SLO breaking a rule, or
someone else's save between this command's read and its write; nothing is
written then).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from app.cli.group import EXIT_BAD_INPUT, fail, text_table
from app.cli.options import checked_system
from app.cli.output import json_text

if TYPE_CHECKING:
    from app.health.slo_store import SloSpec


def _slo_dict(slo: SloSpec) -> dict[str, Any]:
    from app.health.slo import burn_alerts

    return {
        "system": slo.system,
        "name": slo.name,
        "sli": slo.sli,
        "target": slo.target,
        "period_days": slo.period_days,
        "min_events": slo.min_events,
        "latency_bound_ms": slo.latency_bound_ms,
        "version": slo.version,
        "source": "default" if slo.is_default else "stored",
        "burn_rate_factors": {a.name: round(a.factor, 6) for a in burn_alerts(slo.period_days)},
    }


@click.group()
def slo() -> None:
    """Service level objectives: per system, an SLI, a target and a period."""


@slo.command("list")
@click.option("--system", default=None, callback=checked_system, help="Only this system's SLOs.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def list_slos(system: str | None, fmt: str) -> None:
    """Every system's SLOs (a system without any shows the built-in default).

    ``source`` is ``stored`` for a saved SLO and ``default`` for the built-in
    one (99.9 % availability over 28 days) a system has until one is saved.
    The burn-rate factors are those of the SLO's period.
    """
    from app.health.slo_store import all_slos, slos_for
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    engine = get_engine()
    try:
        slos = slos_for(engine, system) if system is not None else all_slos(engine)
    except LookupError as error:
        fail(str(error), EXIT_BAD_INPUT)
    rows = [_slo_dict(s) for s in slos]
    if fmt == "json":
        click.echo(json_text(rows))
        return
    header = ("SYSTEM", "SLO", "SLI", "TARGET", "PERIOD", "GATE", "FACTORS", "SOURCE")
    table = [
        (
            r["system"],
            r["name"],
            r["sli"] + (f" ≤ {r['latency_bound_ms']:g} ms" if r["latency_bound_ms"] else ""),
            f"{r['target']:g}",
            f"{r['period_days']} d",
            str(r["min_events"]),
            " / ".join(f"{f:.3g}" for f in r["burn_rate_factors"].values()),
            r["source"],
        )
        for r in rows
    ]
    click.echo(text_table(header, table))


@slo.command("set")
@click.argument("name")
@click.option("--system", required=True, callback=checked_system, help="The system it belongs to.")
@click.option("--sli", type=click.Choice(["availability", "latency"]), default=None,
              help="What counts as good (default: unchanged; availability when new).")  # fmt: skip
@click.option("--target", type=float, default=None,
              help="Share of good events, e.g. 0.999 (default: unchanged; 0.999 new).")  # fmt: skip
@click.option("--period", "period_days", type=int, default=None,
              help="7, 28 or 30 days (default: unchanged; 28 when new).")  # fmt: skip
@click.option("--min-events", type=int, default=None,
              help="Low-traffic gate: events a burn-rate alert needs in its long window "
              "(default: unchanged; 100 when new).")  # fmt: skip
@click.option("--latency-bound-ms", type=float, default=None,
              help="A latency SLO's bound: requests within it are good.")  # fmt: skip
@click.option("--reason", default="", help="Why, for the audit trail.")
def set_slo(
    name: str,
    system: str,
    sli: str | None,
    target: float | None,
    period_days: int | None,
    min_events: int | None,
    latency_bound_ms: float | None,
    reason: str,
) -> None:
    """Create or change the SLO NAME of a system (validated and audited, as on the page)."""
    from app.cli.thresholds import cli_user
    from app.health.slo_edits import SloConflictError, SloValidationError, save_slo
    from app.health.slo_store import DEFAULT_SLO, slos_for
    from app.roles import EDITOR
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    engine = get_engine()
    try:
        current = {s.name: s for s in slos_for(engine, system) if not s.is_default}
        old = current.get(name)
        base = old or replace(DEFAULT_SLO, system=system, name=name)
        new = replace(
            base,
            sli=sli or base.sli,
            target=base.target if target is None else target,
            period_days=base.period_days if period_days is None else period_days,
            min_events=base.min_events if min_events is None else min_events,
            latency_bound_ms=(
                latency_bound_ms
                if latency_bound_ms is not None
                else (base.latency_bound_ms if (sli or base.sli) == "latency" else None)
            ),
        )
        saved = save_slo(engine, new, old.version if old else 0, cli_user(), EDITOR, reason)
    except (LookupError, SloValidationError, SloConflictError) as error:
        fail(str(error), EXIT_BAD_INPUT)
    before = base.describe() if old or name == DEFAULT_SLO.name else "(new)"
    click.echo(
        f"SLO {saved.name} ({system}): {before} → {saved.describe()}, gate "
        f"{saved.min_events} events (version {saved.version})"
    )
