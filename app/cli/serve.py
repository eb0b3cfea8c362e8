"""``tandem serve``: migrate (and seed an empty) database, then run the dashboard."""

from __future__ import annotations

import os
import sys

import click

from app.cli.group import BadInput


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
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
