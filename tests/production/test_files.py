"""Sweeping orphan window files while other ingests of the system finish."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.production import files
from app.production.files import sweep_system
from app.production.windows import system_folder
from app.store.db import session_scope
from app.store.rows import ensure_systems


def test_a_file_deleted_after_the_sweep_listed_it_is_skipped(
    sqlite_engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest deletes the files it replaced after its commit, outside the system's lock.

    A sweep by the next ingest may list such a file and find it gone when it
    measures it: seen in CI as that ingest failing with FileNotFoundError.
    """
    listed = files._files

    with session_scope(sqlite_engine) as session:
        system_id = ensure_systems(session, ["fraud"])[0]["fraud"]
        folder = data_dir / system_folder(system_id) / "v1"
        folder.mkdir(parents=True)
        left = folder / "2026-11-01-aaaaaaaaaaaa.parquet"  # an interrupted ingest's
        replaced = folder / "2026-11-01-bbbbbbbbbbbb.parquet"  # a committed ingest's old file
        left.write_bytes(b"left")
        replaced.write_bytes(b"replaced")

        def listed_then_deleted(data_dir: Path, folder: Path) -> set[str]:
            found = listed(data_dir, folder)
            replaced.unlink()  # the ingest that replaced it, just after its commit
            return found

        monkeypatch.setattr(files, "_files", listed_then_deleted)
        orphans = sweep_system(session, data_dir, system_id)

    assert [(o.path, o.size) for o in orphans] == [(left.relative_to(data_dir).as_posix(), 4)]
    assert not left.exists()
    assert not folder.exists()  # the version folder held only orphans
