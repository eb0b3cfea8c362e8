"""The role map: verified e-mails and @domains to editor, everyone else a viewer;
without login, the role follows from where the server listens."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.roles import (
    EDITOR,
    VIEWER,
    anonymous_role,
    email_verified,
    is_loopback,
    require_editor,
    role_for,
)

EDITORS = ["alice@x.com", " @example.com ", "Carol@Mixed.Case.org"]


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("alice@x.com", EDITOR),
        ("ALICE@X.COM", EDITOR),
        ("  alice@x.com ", EDITOR),
        ("carol@mixed.case.ORG", EDITOR),
        ("bob@example.com", EDITOR),  # by domain
        ("BOB@EXAMPLE.COM", EDITOR),
        ("bob@x.com", VIEWER),  # alice's domain is not listed, only alice
        ("xalice@x.com", VIEWER),  # an address is matched whole, not as a suffix
        ("alice@x.com.evil.org", VIEWER),
        ("alice@sub.x.com", VIEWER),
        ("eve@evil-example.com", VIEWER),  # a domain suffix is not the domain
        ("eve@notexample.com", VIEWER),
        ("eve@example.com.evil.org", VIEWER),
        ("eve@sub.example.com", VIEWER),  # exactly the listed domain
        ("eve@example.com@evil.org", VIEWER),
        ("alice@x.com@evil.org", VIEWER),
        ("evil.org@alice@x.com", VIEWER),
        ("@example.com", VIEWER),  # no local part
        ("alice@", VIEWER),
        ("al ice@x.com", VIEWER),
        ("", VIEWER),
        (None, VIEWER),
        ("not-an-address", VIEWER),
    ],
)
def test_role_for_verified_addresses(email: str | None, role: str) -> None:
    assert role_for(email, EDITORS, verified=True) == role


@pytest.mark.parametrize("email", ["alice@x.com", "bob@example.com", "carol@mixed.case.org"])
def test_an_unverified_email_never_makes_an_editor(email: str) -> None:
    assert role_for(email, EDITORS, verified=False) == VIEWER


@pytest.mark.parametrize(
    ("claim", "verified"),
    [
        (True, True),
        ("true", True),
        ("True", True),
        (False, False),
        ("false", False),
        (None, False),  # an identity provider that does not say
        ("", False),
        ("yes", False),
        (1, False),
    ],
)
def test_email_verified_claim(claim: object, verified: bool) -> None:
    assert email_verified(claim) is verified


def test_entries_without_a_local_part_or_at_sign_match_nothing() -> None:
    # "example.com" is neither an address nor an @domain: it must not act as either
    assert role_for("bob@example.com", ["example.com", "@", "x.com"], verified=True) == VIEWER
    assert role_for("a@b.c", ["@b.c@evil.org"], verified=True) == VIEWER


def test_require_editor() -> None:
    require_editor(EDITOR)
    with pytest.raises(PermissionError):
        require_editor(VIEWER)


def test_editors_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_EDITORS", "alice@x.com, @example.com,")
    assert load_settings().editors == ("alice@x.com", "@example.com")
    monkeypatch.delenv("TANDEM_EDITORS")
    assert load_settings().editors == ()


# --- no login: the bind address decides ----------------------------------------------


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        (None, False),  # Streamlit's default: every interface
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.2", False),
        ("10.0.0.1", False),
        ("localhost.evil.org", False),
        ("my-host", False),  # a name may resolve to anything
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("address", "setting", "role"),
    [
        ("127.0.0.1", None, EDITOR),  # single user at this machine
        ("::1", None, EDITOR),
        ("0.0.0.0", None, VIEWER),
        (None, None, VIEWER),
        ("192.0.2.2", None, VIEWER),
        ("0.0.0.0", "editor", EDITOR),  # the operator's explicit switch
        ("0.0.0.0", " Editor ", EDITOR),
        ("127.0.0.1", "viewer", VIEWER),  # e.g. behind a reverse proxy on this machine
        ("0.0.0.0", "viewer", VIEWER),
    ],
)
def test_anonymous_role(address: str | None, setting: str | None, role: str) -> None:
    assert anonymous_role(address, setting) == role


@pytest.mark.parametrize("setting", ["admin", "editors", "yes", "1"])
def test_an_unknown_anonymous_role_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match="TANDEM_ANONYMOUS_ROLE"):
        anonymous_role("0.0.0.0", setting)


def test_anonymous_role_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_ANONYMOUS_ROLE", " editor ")
    assert load_settings().anonymous_role == "editor"
    monkeypatch.setenv("TANDEM_ANONYMOUS_ROLE", "")
    assert load_settings().anonymous_role is None
    monkeypatch.delenv("TANDEM_ANONYMOUS_ROLE")
    assert load_settings().anonymous_role is None
