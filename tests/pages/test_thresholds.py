"""The Thresholds page, headless: editing, validation, concurrency, roles, history."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.health.catalog import SIGNALS
from app.health.threshold_edits import change_history, save_threshold
from tests.pages.conftest import ENTRY, shown

PAGE = "app_pages/thresholds.py"
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}}


def open_page(
    query: dict[str, str] | None = None,
    secrets: dict | None = None,
    user: dict | None = None,
) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=120)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    if secrets:
        app.secrets.update(secrets)
    if user is not None:
        app.user = user
    app.switch_page(PAGE)
    return app.run()


def _row(app: AppTest, signal: str) -> int:
    frame = app.data_editor[0].value
    return int(frame.index[frame["Signal"] == signal][0])


def edit(app: AppTest, signal: str, **values: float) -> AppTest:
    """Type ``values`` (Warn=, Critical=) into the signal's row, as a user would."""
    key = app.data_editor[0].key
    app.session_state[key] = {
        "edited_rows": {_row(app, signal): values},
        "added_rows": [],
        "deleted_rows": [],
    }
    return app.run()


def _texts(app: AppTest) -> str:
    parts = [e.value for e in app.error] + [s.value for s in app.success]
    parts += [i.value for i in app.info] + [c.value for c in app.caption]
    return "\n".join(str(p) for p in parts)


def test_page_lists_every_signal_on_an_empty_database(sqlite_engine: Engine) -> None:
    app = open_page()
    assert not app.exception
    assert app.title[0].value == "Thresholds"
    frame = app.data_editor[0].value
    assert len(frame) == len(SIGNALS)
    assert list(frame.columns[:6]) == ["Signal", "Name", "Direction", "Warn", "Critical", "Unit"]
    assert "No systems yet" in _texts(app)
    assert "No threshold has been changed yet" in _texts(app)


def test_save_writes_an_audited_change(seeded_engine: Engine) -> None:
    app = open_page()
    app = edit(app, "ci.pass_rate", Warn=0.95)
    assert not app.exception
    app.text_input(key="threshold_reason").input("stricter CI")
    app.button(key="threshold_save").click().run()
    assert not app.exception
    assert "Saved (Global default): ci.pass_rate: warn 0.95" in _texts(app)
    (change,) = change_history(seeded_engine)
    assert (change.scope, change.new_warn, change.new_critical) == ("", 0.95, 0.75)
    assert change.reason == "stricter CI"
    frame = app.data_editor[0].value
    assert frame.loc[frame["Signal"] == "ci.pass_rate", "Warn"].item() == 0.95
    assert frame.loc[frame["Signal"] == "ci.pass_rate", "From"].item() == "global"


def test_invalid_edit_is_explained_and_cannot_be_saved(seeded_engine: Engine) -> None:
    app = edit(open_page(), "data.missing_share", Critical=1.5)
    assert "outside the signal's range" in _texts(app)
    assert app.button(key="threshold_save").disabled
    app = edit(app, "ci.pass_rate", Warn=0.5)
    assert "must be ≥ critical" in _texts(app)


def test_scope_follows_the_sidebar_system(seeded_engine: Engine) -> None:
    app = open_page({"system": "fraud-scoring"})
    assert app.selectbox(key="threshold_scope").value == "fraud-scoring"
    app = edit(app, "operate.error_rate", Critical=0.05)
    app.button(key="threshold_save").click().run()
    assert not app.exception
    (change,) = change_history(seeded_engine)
    assert change.scope == "fraud-scoring"


def test_concurrent_save_second_session_is_refused_first_persists(seeded_engine: Engine) -> None:
    first, second = open_page(), open_page()  # both load version 0 of the built-in bound
    first = edit(first, "ci.pass_rate", Warn=0.97)
    second = edit(second, "ci.pass_rate", Warn=0.6, Critical=0.5)
    first.button(key="threshold_save").click().run()
    assert not first.exception
    second.button(key="threshold_save").click().run()
    assert not second.exception
    message = _texts(second)
    assert "changed by someone else" in message
    assert "warn 0.97, critical 0.75" in message  # the current value
    (change,) = change_history(seeded_engine)
    assert (change.new_warn, change.new_critical) == (0.97, 0.75)
    # discarding loads the current value, and a new save then works
    second.button(key="threshold_discard").click().run()
    frame = second.data_editor[0].value
    assert frame.loc[frame["Signal"] == "ci.pass_rate", "Warn"].item() == 0.97


def test_history_and_revert(seeded_engine: Engine) -> None:
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.6, 0.5, 1, "bob", "editor")
    app = open_page()
    history = app.dataframe[-1].value
    assert list(history["Who"]) == ["bob", "ann"]
    newest = int(history["#"].iloc[0])
    app.selectbox(key="threshold_revert_pick").select(newest)
    app.button(key="threshold_revert").click().run()
    assert not app.exception
    assert f"Reverted change #{newest}" in _texts(app)
    assert change_history(seeded_engine)[0].new_warn == 0.95


def test_single_user_mode_says_editor_in_the_sidebar(seeded_engine: Engine) -> None:
    app = open_page()
    assert any("Single-user mode" in c.value for c in app.sidebar.caption)


def test_viewer_sees_thresholds_but_no_save_or_revert(seeded_engine: Engine) -> None:
    save_threshold(seeded_engine, "", "ci.pass_rate", 0.95, 0.8, 0, "ann", "editor")
    user = {"email": "vic@other.org", "is_logged_in": True}
    app = open_page(secrets=AUTH, user=user)
    assert not app.exception
    assert len(app.data_editor) == 0
    assert len(app.dataframe[0].value) == len(SIGNALS)
    assert "viewer" in _texts(app)
    keys = {b.key for b in app.button}
    assert not keys & {"threshold_save", "threshold_revert"}
    assert any("vic@other.org" in shown(c.value) for c in app.sidebar.caption)


def test_editor_by_domain_when_auth_is_configured(seeded_engine: Engine, monkeypatch) -> None:
    monkeypatch.setenv("TANDEM_EDITORS", "@example.com")
    app = open_page(
        secrets=AUTH, user={"email": "ed@example.com", "email_verified": True, "is_logged_in": True}
    )
    assert len(app.data_editor) == 1
    app = edit(app, "ci.pass_rate", Warn=0.93)
    app.button(key="threshold_save").click().run()
    assert change_history(seeded_engine)[0].changed_by == "ed@example.com"


def test_logged_out_visitor_is_a_viewer_with_a_login_button(seeded_engine: Engine) -> None:
    app = open_page(secrets=AUTH, user={})
    assert len(app.data_editor) == 0
    assert any(b.key == "identity_login" for b in app.sidebar.button)


def test_editor_from_the_secrets_role_table(seeded_engine: Engine) -> None:
    secrets = {**AUTH, "tandem": {"roles": {"editors": ["ed@x.org"]}}}
    app = open_page(
        secrets=secrets, user={"email": "ed@x.org", "email_verified": True, "is_logged_in": True}
    )
    assert len(app.data_editor) == 1
    assert any("(editor)" in c.value for c in app.sidebar.caption)


def test_what_if_preview_counts_buckets_before_saving(seeded_engine: Engine) -> None:
    app = edit(open_page({"system": "checkout-api"}), "operate.error_rate", Critical=0.5)
    assert not app.exception
    assert any("What if: operate.error_rate" in m.value for m in app.markdown)
    counts = app.dataframe[1].value  # after the editor, before the history
    assert list(counts["System"]) == ["checkout-api"]
    old, new = (int(x) for x in counts["Critical (old → new)"].iloc[0].split(" → "))
    assert old > new
    assert len(app.get("plotly_chart")) == 1
    assert change_history(seeded_engine) == []  # nothing saved by previewing


def test_what_if_explains_whole_range_signals(seeded_engine: Engine) -> None:
    app = edit(open_page(), "release.change_lead_time_h", Warn=24)
    assert any("no history to replay" in c.value for c in app.caption)
