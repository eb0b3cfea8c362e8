"""Moved to :mod:`app.production.files`: a re-export until the CLI imports it from there."""

from app.production.files import collect_garbage

__all__ = ["collect_garbage"]
