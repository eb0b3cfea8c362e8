"""``tandem budget list|set``: each system's monthly budget from the command line.

``set`` goes through the service the Thresholds page uses
(``app.health.budgets.save_budget``: validation, optimistic locking, audit row).
Exit codes: 0 done, 2 bad input (an unknown system, a budget breaking a rule,
or someone else's save between this command's read and its write; nothing is
written then).
"""

from __future__ import annotations

import click

from app.cli.group import EXIT_BAD_INPUT, fail, text_table
from app.cli.options import checked_system
from app.cli.output import json_text


@click.group()
def budget() -> None:
    """Monthly budgets: what a system may spend in 30 days (cost.month_to_date_vs_budget)."""


@budget.command("list")
@click.option("--system", default=None, callback=checked_system, help="Only this system's.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
def list_budgets(system: str | None, fmt: str) -> None:
    """Every stored budget (a system without one has none: its spend signal is unknown)."""
    from app.health.budgets import budgets_for
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    try:
        found = budgets_for(get_engine(), system)
    except LookupError as error:
        fail(str(error), EXIT_BAD_INPUT)
    rows = [
        {"system": b.system, "amount": b.amount, "currency": b.currency, "version": b.version,
         "updated_by": b.updated_by}
        for b in found
    ]  # fmt: skip
    if fmt == "json":
        click.echo(json_text(rows))
        return
    header = ("SYSTEM", "MONTHLY BUDGET", "CURRENCY", "VERSION", "BY")
    table = [
        (b.system, f"{b.amount:,.2f}", b.currency, str(b.version), b.updated_by) for b in found
    ]
    click.echo(text_table(header, table))


@budget.command("set")
@click.option("--system", required=True, callback=checked_system, help="The system it is for.")
@click.option("--amount", type=float, required=True, help="What it may spend in a month.")
@click.option("--currency", default=None,
              help="ISO 4217 code, e.g. EUR (default: unchanged; required when new).")  # fmt: skip
@click.option("--reason", default="", help="Why, for the audit trail.")
def set_budget(system: str, amount: float, currency: str | None, reason: str) -> None:
    """Create or change a system's monthly budget (validated and audited, as on the page)."""
    from app.cli.thresholds import cli_user
    from app.health.budgets import (
        BudgetConflictError,
        BudgetSpec,
        BudgetValidationError,
        budgets_for,
        save_budget,
    )
    from app.roles import EDITOR
    from app.store.db import get_engine
    from app.store.migrate import ensure_current

    ensure_current()
    engine = get_engine()
    try:
        old = next(iter(budgets_for(engine, system)), None)
        if currency is None and old is None:
            fail(f"budget of {system}: a new budget needs --currency", EXIT_BAD_INPUT)
        new = BudgetSpec(system, amount, currency or (old.currency if old else ""))
        saved = save_budget(engine, new, old.version if old else 0, cli_user(), EDITOR, reason)
    except (LookupError, BudgetValidationError, BudgetConflictError) as error:
        fail(str(error), EXIT_BAD_INPUT)
    before = old.describe() if old else "(new)"
    click.echo(f"budget of {system}: {before} → {saved.describe()} (version {saved.version})")
