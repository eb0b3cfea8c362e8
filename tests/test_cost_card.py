"""The Overview's spend card, as HTML: one currency, several, none, no budget."""

from __future__ import annotations

from app.health.cost_views import CostTrend
from app.ui.cost_view import cost_card_html


def test_a_card_in_one_currency_shows_spend_and_budget_share() -> None:
    trend = CostTrend("s", "EUR", ("EUR",), (1.0, 2.0, 3.0), 6.0, 450.0, 500.0)
    html = cost_card_html(trend, "warn", "<img>")
    assert "6.00 EUR" in html
    assert "90 % of the monthly budget" in html
    assert "<img>" in html


def test_currencies_are_named_never_added() -> None:
    trend = CostTrend("s", None, ("EUR", "USD"), (), None, None, None)
    html = cost_card_html(trend, "unknown", "<img>")
    assert "spend in EUR, USD: not added together" in html
    assert "<img>" not in html


def test_without_a_budget_the_card_says_so() -> None:
    trend = CostTrend("s", "USD", ("USD",), (0.0, 5.0), 5.0, 5.0, None)
    assert "no budget set" in cost_card_html(trend, "unknown", "")
