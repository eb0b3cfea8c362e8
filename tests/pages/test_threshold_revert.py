"""Reverting from the Thresholds page is locked like saving: a revert from a page that
has not seen someone else's later save is refused with their value, and writes nothing."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health.threshold_edits import change_history, save_threshold
from tests.pages.conftest import ENTRY

PAGE = "app_pages/thresholds.py"


def open_page() -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.switch_page(PAGE)
    return app.run()


def _errors(app: AppTest) -> str:
    """The error boxes as a reader sees them (Markdown backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in app.error))


def _revert(app: AppTest, change_id: int) -> AppTest:
    app.selectbox(key="threshold_revert_pick").select(change_id)
    return app.button(key="threshold_revert").click().run()


def test_revert_after_an_unseen_save_is_refused_with_the_current_value(
    seeded_engine: Engine,
) -> None:
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.6, 0.5, 1, "bob", "editor")
    app = open_page()  # A's page shows bob's change as the newest
    target = change_history(seeded_engine)[0].id
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.7, 0.6, 2, "carol", "editor")  # B
    app = _revert(app, target)  # A
    assert not app.exception
    assert "changed by someone else" in _errors(app)
    assert "warn 0.7, critical 0.6" in _errors(app)
    assert [c.changed_by for c in change_history(seeded_engine)] == ["carol", "bob", "ann"]
    # the refusal showed A the current history; reverting from there goes through
    app = _revert(app, target)
    assert not app.exception
    assert not app.error
    newest = change_history(seeded_engine)[0]
    assert (newest.old_warn, newest.new_warn, newest.reason) == (
        0.7,
        0.95,
        f"revert of change #{target}",
    )


def test_revert_of_a_creation_after_an_unseen_save_is_refused(seeded_engine: Engine) -> None:
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    app = open_page()
    created = change_history(seeded_engine)[0].id
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.7, 0.6, 1, "carol", "editor")
    app = _revert(app, created)
    assert "warn 0.7, critical 0.6" in _errors(app)
    assert [c.changed_by for c in change_history(seeded_engine)] == ["carol", "ann"]
