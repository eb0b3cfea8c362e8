"""A missing external tool (PostgreSQL, Prometheus, ...): a failure under CI, a skip elsewhere."""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str) -> None:
    """Nothing is skipped in CI: ``make test`` installs every tool, so one missing is a failure."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)
