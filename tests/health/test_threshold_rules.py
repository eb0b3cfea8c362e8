"""Threshold rules (pure): finite bounds, in the signal's domain, warn on the safe side."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.health.catalog import SIGNALS, SIGNALS_BY_KEY
from app.health.threshold_rules import domain, validation_problems


def test_catalogue_defaults_are_valid() -> None:
    for s in SIGNALS:
        assert validation_problems(s.key, s.warn, s.critical) == [], s.key


def test_warn_must_be_on_the_safe_side_of_critical() -> None:
    # higher is better: warn below critical is refused
    assert validation_problems("ci.pass_rate", 0.7, 0.8)
    assert validation_problems("ci.pass_rate", 0.8, 0.8) == []  # no warn band: allowed
    # lower is better: warn above critical is refused
    problems = validation_problems("operate.latency_p95_ms", 900, 800)
    assert any("≤ critical" in p for p in problems)


@pytest.mark.parametrize(
    ("signal", "warn", "critical"),
    [
        ("data.missing_share", 0.5, 1.5),  # a share above 1
        ("ci.pass_rate", 1.2, 0.9),
        ("recover.open_incidents", -1, 1),  # a negative count
        ("operate.latency_p95_ms", -5, 10),
        ("operate.error_budget_remaining", 0.2, -3),  # below the sensible -1
        ("ci.pass_rate", math.nan, 0.5),
        ("ci.pass_rate", 0.9, math.inf),
    ],
)
def test_values_outside_the_domain_are_refused(signal: str, warn: float, critical: float) -> None:
    assert validation_problems(signal, warn, critical)


def test_error_budget_may_be_negative() -> None:
    assert validation_problems("operate.error_budget_remaining", 0.0, -0.5) == []


def test_unknown_signal_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        validation_problems("nope.signal", 1, 2)


@given(
    key=st.sampled_from([s.key for s in SIGNALS]),
    a=st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=2000),
    b=st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=2000),
)
def test_valid_means_in_domain_and_ordered(key: str, a: float, b: float) -> None:
    low, high = domain(key)
    ok = not validation_problems(key, a, b)
    higher = SIGNALS_BY_KEY[key].direction == "higher_is_better"
    ordered = a >= b if higher else a <= b
    assert ok == (low <= a <= high and low <= b <= high and ordered)
