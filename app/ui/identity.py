"""Who is looking, and may they edit: Streamlit's OIDC login plus Tandem's role map.

* No ``[auth]`` section in ``.streamlit/secrets.toml``: nobody logs in, so the
  role follows from where the server listens (``app.roles.anonymous_role``).
  On loopback only (``tandem serve``'s default) the app is single-user and
  that user is an editor; bound beyond loopback (``tandem serve --host
  0.0.0.0``) every visitor is a viewer, unless the operator sets
  ``TANDEM_ANONYMOUS_ROLE=editor``. The sidebar says which.
* ``[auth]`` configured: ``st.login``/``st.user`` identify the user; their
  verified e-mail or its ``@domain`` listed in ``TANDEM_EDITORS``
  (comma-separated) or in the secrets' ``[tandem.roles] editors = [...]``
  makes them an editor, anyone else (including a logged-out visitor) is a
  viewer.

The bind address is read from the server's own configuration
(``server.address``), never from the request. The role decides what the UI
offers; the service refuses a viewer's write on its own
(``app.roles.require_editor``).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app.config import load_settings
from app.roles import EDITOR, VIEWER, anonymous_role, email_verified, is_loopback, role_for
from app.ui.text import md_text


@dataclass(frozen=True)
class Identity:
    user: str  # what the audit trail records
    role: str
    auth_configured: bool
    logged_in: bool

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR


def _secrets() -> Mapping[str, Any]:
    try:
        return {key: st.secrets[key] for key in ("auth", "tandem") if key in st.secrets}
    except Exception:  # no secrets file at all: Streamlit raises rather than answering "no"
        return {}


def auth_configured() -> bool:
    """Whether ``[auth]`` is configured, i.e. users log in."""
    return "auth" in _secrets()


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "local"


def current_identity() -> Identity:
    """The user of this session and their role (see the module docstring)."""
    secrets = _secrets()
    if "auth" not in secrets:
        return _anonymous_identity()
    if not st.user.get("is_logged_in"):
        return Identity("anonymous", VIEWER, auth_configured=True, logged_in=False)
    email = st.user.get("email")
    roles = secrets.get("tandem", {}).get("roles", {})
    editors = [*load_settings().editors, *roles.get("editors", [])]
    return Identity(
        str(email or st.user.get("name") or "unknown"),
        role_for(
            str(email) if email else None,
            editors,
            verified=email_verified(st.user.get("email_verified")),
        ),
        auth_configured=True,
        logged_in=True,
    )


def _anonymous_identity() -> Identity:
    """No login: single-user on loopback, else every visitor shares the anonymous role."""
    address = st.get_option("server.address")
    try:
        role = anonymous_role(address, load_settings().anonymous_role)
    except ValueError:  # a mistyped switch must not open the app to writes
        role = VIEWER
    if is_loopback(address):  # the person at this machine
        return Identity(_local_user(), role, auth_configured=False, logged_in=True)
    return Identity("anonymous", role, auth_configured=False, logged_in=False)


def render_sidebar_identity() -> Identity:
    """The sidebar's line about who you are, with log in/out when login is configured."""
    identity = current_identity()
    if not identity.auth_configured:
        st.sidebar.caption(_no_login_caption(identity))
    elif not identity.logged_in:
        st.sidebar.caption("You are a **viewer**. Log in to edit thresholds.")
        st.sidebar.button("Log in", on_click=st.login, key="identity_login")
    else:
        st.sidebar.caption(f"Signed in as **{md_text(identity.user)}** ({identity.role}).")
        st.sidebar.button("Log out", on_click=st.logout, key="identity_logout")
    return identity


def _no_login_caption(identity: Identity) -> str:
    local = identity.user != "anonymous"
    if local and identity.can_edit:
        return "Single-user mode: no `[auth]` is configured, so you are an **editor**."
    if local:
        return "No `[auth]` is configured and `TANDEM_ANONYMOUS_ROLE` makes you a **viewer**."
    if identity.can_edit:
        return (
            "Served on the network without login, and `TANDEM_ANONYMOUS_ROLE=editor` makes "
            "every visitor an **editor**."
        )
    return "Served on the network without login, so every visitor is a **viewer**."
