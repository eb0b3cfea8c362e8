"""Options several ``tandem`` commands share, checked before any work is done."""

from __future__ import annotations

import click


def checked_system(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A ``--system`` callback: a blank, over-long or NUL name is bad input (exit 2).

    A blank name would otherwise reach the store as the global thresholds scope
    (``''``) or match no system silently; the rule is ingest's, written once in
    :func:`app.ingest.system_names.system_name_problem`.
    """
    if value is None:
        return None
    from app.ingest.system_names import SYSTEM_NAME_RULE, system_name_problem

    if (problem := system_name_problem(value)) is not None:
        raise click.BadParameter(f"expected {SYSTEM_NAME_RULE}, got {problem}")
    return value


def positive_threshold(
    ctx: click.Context, param: click.Parameter, value: float | None
) -> float | None:
    """A threshold callback: ``nan``, zero or a negative number is bad input (exit 2).

    ``float`` parses ``nan``, with which no comparison holds: every column would
    silently not drift. ``inf`` stays allowed: a distance test that never
    drifts, printed as ``null`` in JSON.
    """
    if value is None:
        return None
    import math

    if math.isnan(value) or value <= 0:
        raise click.BadParameter(f"expected a number above 0, got {value:g}")
    return value
