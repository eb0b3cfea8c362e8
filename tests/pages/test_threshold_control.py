"""Inline threshold controls on the Overview: same service, audit and cache invalidation."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health.threshold_edits import change_history, save_threshold
from tests.pages.conftest import ENTRY, run_app
from tests.pages.test_thresholds import AUTH

KEY = "inline_fraud-scoring"


def _opened(app: AppTest) -> AppTest:
    """Open fraud-scoring's "All signals" expander: its table and controls load when opened."""
    app.session_state["overview_signals_fraud-scoring"] = True
    return app.run()


def _tile_critical(app: AppTest, stage_label: str) -> bool:
    return f"{stage_label}: Critical" in "\n".join(str(h.proto) for h in app.get("html"))


def _set(app: AppTest, signal: str, warn: float, critical: float) -> AppTest:
    app.selectbox(key=f"{KEY}_signal").select(signal).run()
    app.number_input(key=f"{KEY}_{signal}_warn").set_value(warn)
    app.number_input(key=f"{KEY}_{signal}_critical").set_value(critical).run()
    app.button(key=f"{KEY}_{signal}_save").click().run()
    assert not app.exception
    return app


def test_inline_edit_saves_audits_and_turns_the_tile_critical(seeded_engine: Engine) -> None:
    app = _opened(run_app({"system": "fraud-scoring"}))
    assert not _tile_critical(app, "Build &amp; test")
    control = app.number_input(key=f"{KEY}_ci.pass_rate_warn")
    assert control.value == 0.9  # the bound in force is shown
    app = _set(app, "ci.pass_rate", 0.999, 0.99)
    assert _tile_critical(app, "Build &amp; test")  # caches reloaded after the save
    (change,) = change_history(seeded_engine)
    assert (change.scope, change.signal, change.new_warn, change.new_critical) == (
        "fraud-scoring", "ci.pass_rate", 0.999, 0.99,
    )  # fmt: skip
    assert change.reason == "inline edit"
    assert app.number_input(key=f"{KEY}_ci.pass_rate_warn").value == 0.999


def test_inline_edit_validates(seeded_engine: Engine) -> None:
    app = _opened(run_app({"system": "fraud-scoring"}))
    app.number_input(key=f"{KEY}_ci.pass_rate_warn").set_value(0.5).run()
    assert any("must be ≥ critical" in e.value for e in app.error)
    assert app.button(key=f"{KEY}_ci.pass_rate_save").disabled


def test_inline_edit_refuses_a_stale_version(seeded_engine: Engine) -> None:
    app = _opened(run_app({"system": "fraud-scoring"}))
    app.number_input(key=f"{KEY}_ci.pass_rate_warn").set_value(0.95).run()
    # meanwhile, someone else sets the same threshold
    save_threshold(seeded_engine, "fraud-scoring", "ci.pass_rate", 0.8, 0.7, 0, "bob", "editor")
    app.button(key=f"{KEY}_ci.pass_rate_save").click().run()
    assert any("changed by someone else" in e.value for e in app.error)
    assert [c.changed_by for c in change_history(seeded_engine)] == ["bob"]


def test_viewer_gets_no_inline_control(seeded_engine: Engine) -> None:
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.query_params["system"] = "fraud-scoring"
    app.secrets.update(AUTH)
    app.user = {"email": "vic@other.org", "is_logged_in": True}
    app.run()
    app = _opened(app)
    assert not app.exception
    assert app.dataframe  # the expander is open: the table is there, the controls are not
    assert not [n for n in app.number_input if (n.key or "").startswith("inline_")]
