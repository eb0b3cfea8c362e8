"""Who may edit: the role map from e-mail addresses and domains to roles.

Two roles: ``viewer`` reads everything; ``editor`` also edits thresholds (and
ingests). With Streamlit's OIDC login configured, a logged-in user is an
editor when their *verified* e-mail, or its ``@domain``, is listed in the
role map (``TANDEM_EDITORS`` and/or the ``[tandem.roles] editors`` secrets
list), and a viewer otherwise. Without login, who a visitor is cannot be
known, so their role follows from where the server listens: on loopback only
the app is single-user and that user is an editor; bound beyond loopback,
anonymous visitors are viewers unless the operator sets
``TANDEM_ANONYMOUS_ROLE=editor`` (``anonymous_role``). The write path checks
the role itself (``require_editor``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Final

EDITOR: Final = "editor"
VIEWER: Final = "viewer"


def role_for(email: str | None, editors: Iterable[str], *, verified: bool) -> str:
    """``editor`` when the verified ``email`` is listed in ``editors``, else ``viewer``.

    An entry with a local part (``alice@x.com``) matches that whole address; an
    entry ``@example.com`` matches addresses whose domain is exactly
    ``example.com`` (not ``evil-example.com``, not ``example.com.evil.org``, not
    ``sub.example.com``). Both compare case-insensitively. An e-mail the identity
    provider has not verified (``email_verified`` not true) proves nothing about
    who signed in, so it never makes an editor.
    """
    address = _address(email)
    if not verified or address is None:
        return VIEWER
    domain = "@" + address.split("@")[1]
    allowed = {entry for entry in (_entry(e) for e in editors) if entry is not None}
    return EDITOR if address in allowed or domain in allowed else VIEWER


def email_verified(claim: object) -> bool:
    """Whether an OIDC ``email_verified`` claim says yes (some providers send ``"true"``)."""
    if isinstance(claim, bool):
        return claim
    return isinstance(claim, str) and claim.strip().lower() == "true"


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only.

    ``None`` or ``''`` is Streamlit's default, every interface. A host name other
    than ``localhost`` may resolve anywhere, so it does not count as loopback.
    """
    if not address:
        return False
    host = address.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def anonymous_role(bind_address: str | None, setting: str | None) -> str:
    """The role of a visitor when no login is configured.

    ``setting`` is ``TANDEM_ANONYMOUS_ROLE`` (``editor``, ``viewer`` or unset).
    Unset: an editor when the server listens on loopback only (single-user, as
    Jupyter and Grafana assume), a viewer when it listens beyond. The bind
    address is the server's own configuration, never something a visitor sends
    (such as the Host header). Raises ``ValueError`` for any other setting.
    """
    if setting:
        role = setting.strip().lower()
        if role not in (EDITOR, VIEWER):
            raise ValueError(
                f"TANDEM_ANONYMOUS_ROLE must be {EDITOR!r} or {VIEWER!r}, not {setting!r}"
            )
        return role
    return EDITOR if is_loopback(bind_address) else VIEWER


def require_editor(role: str) -> None:
    """Raise ``PermissionError`` unless ``role`` may edit."""
    if role != EDITOR:
        raise PermissionError(f"role {role!r} may not edit thresholds (editors only)")


def _address(email: str | None) -> str | None:
    """``email`` lower-cased, or ``None`` unless it is one ``local@domain`` without spaces."""
    if not email:
        return None
    address = email.strip().lower()
    local, at, domain = address.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in address):
        return None
    return address


def _entry(entry: str) -> str | None:
    """A role-map entry as compared: a whole address or ``@domain``, lower-cased."""
    entry = entry.strip().lower()
    if entry.startswith("@"):
        domain = entry[1:]
        return entry if domain and "@" not in domain else None
    return _address(entry)
