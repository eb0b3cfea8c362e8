"""What every ``tandem ... --format json`` prints: strict JSON, one writer for all."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["json_text"]


def json_text(data: Any) -> str:
    """Strict JSON (RFC 8259): a non-finite number (NaN, ±inf) is written as null."""
    return json.dumps(_finite(data), indent=2, allow_nan=False)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data
