"""Who a visitor is without login depends on where the server listens; with login, on a
verified e-mail. Checked on the Thresholds page, the one that writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from streamlit import config
from streamlit.testing.v1 import AppTest

from app.health.threshold_edits import change_history
from tests.pages.conftest import ENTRY

PAGE = "app_pages/thresholds.py"
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}}
VIEWER_NOTE = "You are a **viewer**: you can read the thresholds, not change them."


@contextmanager
def bound_to(address: str | None) -> Iterator[None]:
    """Streamlit's ``server.address`` as `tandem serve --host` sets it, for the block."""
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        yield
    finally:
        config.set_option("server.address", before)


def open_page(
    address: str | None, secrets: dict | None = None, user: dict | None = None
) -> AppTest:
    """The Thresholds page as served by a server bound to ``address`` (None: every interface)."""
    app = AppTest.from_file(ENTRY, default_timeout=60)
    if secrets:
        app.secrets.update(secrets)
    if user is not None:
        app.user = user
    app.switch_page(PAGE)
    with bound_to(address):
        return app.run()


def _sidebar(app: AppTest) -> str:
    return "\n".join(c.value for c in app.sidebar.caption)


def _infos(app: AppTest) -> list[str]:
    return [i.value for i in app.info]


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.0.2.2", None])
def test_anonymous_visitors_are_viewers_when_served_beyond_loopback(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, address: str | None
) -> None:
    monkeypatch.delenv("TANDEM_ANONYMOUS_ROLE", raising=False)
    app = open_page(address)
    assert not app.exception
    assert len(app.data_editor) == 0
    assert VIEWER_NOTE in _infos(app)
    assert "every visitor is a **viewer**" in _sidebar(app)
    assert "threshold_revert" not in {b.key for b in app.button}


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "localhost"])
def test_on_loopback_the_single_user_is_an_editor(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    monkeypatch.delenv("TANDEM_ANONYMOUS_ROLE", raising=False)
    app = open_page(address)
    assert len(app.data_editor) == 1
    assert VIEWER_NOTE not in _infos(app)
    assert "Single-user mode" in _sidebar(app)


def test_the_operator_can_make_anonymous_visitors_editors(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANDEM_ANONYMOUS_ROLE", "editor")
    app = open_page("0.0.0.0")
    assert len(app.data_editor) == 1
    assert "`TANDEM_ANONYMOUS_ROLE=editor`" in _sidebar(app)
    key = app.data_editor[0].key
    app.session_state[key] = {
        "edited_rows": {0: {"Warn": 0.97}},
        "added_rows": [],
        "deleted_rows": [],
    }
    with bound_to("0.0.0.0"):
        app.run()
        app.button(key="threshold_save").click().run()
    assert not app.exception
    (change,) = change_history(sqlite_engine)
    assert change.changed_by == "anonymous"  # not the server's OS user


@pytest.mark.parametrize("setting", ["viewer", "admin"])
def test_an_explicit_viewer_or_a_mistyped_switch_makes_viewers(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("TANDEM_ANONYMOUS_ROLE", setting)
    for address in ("127.0.0.1", "0.0.0.0"):
        app = open_page(address)
        assert not app.exception
        assert len(app.data_editor) == 0, address


@pytest.mark.parametrize(
    ("verified", "editor"), [(True, True), ("true", True), (False, False), (None, False)]
)
def test_only_a_verified_email_makes_an_editor(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, verified: object, editor: bool
) -> None:
    monkeypatch.setenv("TANDEM_EDITORS", "ed@example.com")
    user = {"email": "ed@example.com", "is_logged_in": True}
    if verified is not None:
        user["email_verified"] = verified
    app = open_page("0.0.0.0", secrets=AUTH, user=user)
    assert not app.exception
    assert (len(app.data_editor) == 1) is editor
    assert (VIEWER_NOTE in _infos(app)) is not editor


def test_the_signed_in_name_is_shown_as_text(sqlite_engine: Engine) -> None:
    """A provider's e-mail or name is the user's to choose: Markdown in it stays literal."""
    from app.ui.text import md_text

    name = "[Click here](https://evil.example/) **boss** `x`"
    app = open_page("0.0.0.0", secrets=AUTH, user={"name": name, "is_logged_in": True})
    assert not app.exception
    caption = next(c.value for c in app.sidebar.caption if c.value.startswith("Signed in"))
    assert caption == f"Signed in as **{md_text(name)}** (viewer)."
    assert "](https://evil.example/)" not in caption
