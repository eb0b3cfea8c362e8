"""Who may edit: the role map from e-mail addresses and domains to roles.

Two roles: ``viewer`` reads everything; ``editor`` also edits thresholds (and
ingests). With Streamlit's OIDC login configured, a logged-in user is an
editor when their e-mail, or its ``@domain``, is listed in the role map
(``TANDEM_EDITORS`` and/or the ``[tandem.roles] editors`` secrets list), and a
viewer otherwise. Without login the app is single-user and that user is an
editor. The write path checks the role itself (``require_editor``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

EDITOR: Final = "editor"
VIEWER: Final = "viewer"


def role_for(email: str | None, editors: Iterable[str]) -> str:
    """``editor`` when ``email`` or its ``@domain`` is in ``editors`` (case-insensitive)."""
    if not email or "@" not in email:
        return VIEWER
    address = email.strip().lower()
    domain = "@" + address.rsplit("@", 1)[1]
    allowed = {e.strip().lower() for e in editors if e.strip()}
    return EDITOR if address in allowed or domain in allowed else VIEWER


def require_editor(role: str) -> None:
    """Raise ``PermissionError`` unless ``role`` may edit."""
    if role != EDITOR:
        raise PermissionError(f"role {role!r} may not edit thresholds (editors only)")
