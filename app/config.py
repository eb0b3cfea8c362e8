"""Tandem's settings, read from the environment in one place.

Every other module asks this one; nothing else reads ``os.environ`` for Tandem
settings, so the README's configuration table stays the whole truth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """What a running Tandem needs to know about its surroundings."""

    data_dir: Path
    database_url: str
    sample_data_dir: Path
    # Who edits thresholds when `[auth]` is configured: e-mails and "@domain"s.
    editors: tuple[str, ...] = ()
    # Without `[auth]`: the role of every visitor ("editor"/"viewer"); None = by bind address.
    anonymous_role: str | None = None

    @property
    def production_dir(self) -> Path:
        """Where production rows live as Parquet, one file per window."""
        return self.data_dir / "production"


def load_settings() -> Settings:
    """Read the ``TANDEM_*`` variables (DATA_DIR, DATABASE_URL, SAMPLE_DATA, EDITORS,
    ANONYMOUS_ROLE).

    The default database is a SQLite file inside the data dir so that a fresh
    checkout runs with no configuration at all.
    """
    data_dir = Path(os.environ.get("TANDEM_DATA_DIR", ".tandem")).expanduser().resolve()
    url = os.environ.get("TANDEM_DATABASE_URL") or f"sqlite:///{data_dir / 'tandem.db'}"
    sample = Path(os.environ.get("TANDEM_SAMPLE_DATA", PROJECT_ROOT / "sample_data"))
    editors = tuple(e.strip() for e in os.environ.get("TANDEM_EDITORS", "").split(",") if e.strip())
    return Settings(
        data_dir=data_dir,
        database_url=url,
        sample_data_dir=sample.resolve(),
        editors=editors,
        anonymous_role=os.environ.get("TANDEM_ANONYMOUS_ROLE", "").strip() or None,
    )
