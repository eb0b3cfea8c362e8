"""The rule a system name given on its own follows (``--system`` of ingest and the imports).

The limit is the ``systems.name`` column's length, read from the formats.
"""

from __future__ import annotations

from app.ingest.formats import FORMATS

_SYSTEM = FORMATS["pipelines"].column("system")
SYSTEM_NAME_MAX: int = (_SYSTEM.max_length if _SYSTEM else None) or 200


def system_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a system name (``--system``), or None.

    A blank name is refused (``''`` is also the global scope of thresholds),
    and so is one longer than the ``systems.name`` column or holding NUL.
    """
    if not name.strip():
        return "an empty name"
    if "\x00" in name:
        return "a name with a NUL character"
    if len(name) > SYSTEM_NAME_MAX:
        return f"a name of {len(name)} characters"
    return None


SYSTEM_NAME_RULE = f"a system name of 1 to {SYSTEM_NAME_MAX} characters, not blank"
