"""The bad values found while typing a file: the first of each column, the earliest raised."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from app.ingest.errors import IngestError, quote
from app.ingest.source import Source


class Problems:
    """The first bad value of each column; raises the earliest one."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.found: list[tuple[int, int, IngestError]] = []

    def check(
        self,
        column: str,
        bad: pd.Series | np.ndarray,
        expected: str,
        got: str | Callable[[int], str] | None = None,
    ) -> None:
        """Report the first row of ``bad``; ``got`` describes it (default: its raw value)."""
        hits = np.flatnonzero(np.asarray(bad, dtype=bool))
        if hits.size:
            row = int(hits[0])
            if callable(got):
                shown = got(row)
            else:
                shown = got if got is not None else quote(self.source.frame[column].iloc[row])
            error = self.source.error(row=row, column=column, expected=expected, got=shown)
            self.found.append((row, len(self.found), error))

    def raise_first(self) -> None:
        if self.found:
            raise min(self.found, key=lambda found: found[:2])[2]
