"""Costs on the pages, headless: the Overview's spend cards, the Experiments page's costs,
the Thresholds page's budget editor; seeded and empty databases."""

from __future__ import annotations

from sqlalchemy import Engine

from app.health.budgets import budget_history, budgets_for
from app.ui.budget_editor import budget_key
from tests.pages.conftest import run_app

EXPERIMENTS = "app_pages/experiments.py"
THRESHOLDS = "app_pages/thresholds.py"


def _html(app) -> str:
    return "\n".join(str(h.proto) for h in app.get("html"))


def test_overview_shows_each_systems_spend_against_its_budget(seeded_engine: Engine) -> None:
    app = run_app()
    assert not app.exception
    html = _html(app)
    assert html.count('<div class=\\"stage\\">Spend</div>') == 3 or html.count(">Spend<") == 3
    assert "226 % of the monthly budget" in html  # fraud-scoring's spree
    assert "84 % of the monthly budget" in html  # checkout-api
    assert "Cost" in html  # the Impact lane's Cost stage tile


def test_experiments_show_cost_per_run_and_per_version(seeded_engine: Engine) -> None:
    app = run_app({"system": "fraud-scoring", "range": "90d"}, timeout=120, page=EXPERIMENTS)
    assert not app.exception
    runs = app.dataframe[0].value
    assert {"cost", "currency"} <= set(runs.columns)
    assert runs["cost"].notna().all()
    assert "Cost per model version" in [s.value for s in app.subheader]
    assert len(app.dataframe) == 1  # the versions are a static table: the grids stay the runs'
    versions = app.table[0].value
    v3 = versions.set_index("Version").loc["v3"]
    assert (v3["Runs"], v3["Failed or killed"], v3["Cost"], v3["Currency"]) == (
        6,
        1,
        "206.98",
        "EUR",
    )
    assert v3["In production"] == "yes"


def test_thresholds_page_edits_the_budget(seeded_engine: Engine) -> None:
    app = run_app({"system": "fraud-scoring"}, timeout=120, page=THRESHOLDS)
    assert not app.exception
    assert "Monthly budget" in [s.value for s in app.subheader]
    assert any("250.00 EUR a month" in m.value for m in app.markdown)  # shown while closed
    # the inputs and the history are drawn when their expander is opened
    assert not app.number_input
    assert not app.text_input
    assert len(app.dataframe) == 1  # the thresholds table only, not the budget's history
    app.session_state[budget_key("fraud-scoring")] = True
    app.run()
    assert not app.exception
    assert [h.value["who"][0] for h in app.dataframe[1:]] == ["tandem seed"]
    assert app.number_input(key="budget_amount_fraud-scoring").value == 250.0
    app.number_input(key="budget_amount_fraud-scoring").set_value(900.0)
    app.text_input(key="budget_reason_fraud-scoring").input("the spree is planned")
    app.button(key="budget_save_fraud-scoring").click().run()
    assert not app.exception
    (saved,) = budgets_for(seeded_engine, "fraud-scoring")
    assert (saved.amount, saved.currency, saved.version) == (900.0, "EUR", 2)
    assert budget_history(seeded_engine, "fraud-scoring")[0].reason == "the spree is planned"


def test_empty_database_pages_render(sqlite_engine: Engine) -> None:
    for page in (None, EXPERIMENTS, THRESHOLDS):
        assert not run_app(page=page).exception
