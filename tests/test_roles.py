"""The role map: e-mails and @domains to editor, everyone else a viewer."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.roles import EDITOR, VIEWER, require_editor, role_for


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("alice@x.com", EDITOR),
        ("ALICE@X.COM", EDITOR),
        ("bob@example.com", EDITOR),  # by domain
        ("bob@x.com", VIEWER),
        ("eve@evil-example.com", VIEWER),  # a domain suffix is not the domain
        ("", VIEWER),
        (None, VIEWER),
        ("not-an-address", VIEWER),
    ],
)
def test_role_for(email: str | None, role: str) -> None:
    assert role_for(email, ["alice@x.com", " @example.com "]) == role


def test_require_editor() -> None:
    require_editor(EDITOR)
    with pytest.raises(PermissionError):
        require_editor(VIEWER)


def test_editors_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_EDITORS", "alice@x.com, @example.com,")
    assert load_settings().editors == ("alice@x.com", "@example.com")
    monkeypatch.delenv("TANDEM_EDITORS")
    assert load_settings().editors == ()
