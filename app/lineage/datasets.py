"""Dataset references in runs (``name@version``) resolved to registered dataset versions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import DatasetVersion

__all__ = ["dataset_ref", "dataset_versions"]


def dataset_ref(reference: str | None) -> tuple[str, str] | None:
    """``"name@version"`` → (name, version); None when there is no versioned reference."""
    if not reference or "@" not in reference:
        return None
    name, version = reference.rsplit("@", 1)
    return name, version


def dataset_versions(
    session: Session, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], DatasetVersion]:
    """The registered dataset versions among ``refs``; unknown references are left out."""
    refs = set(refs)
    if not refs:
        return {}
    names = {name for name, _ in refs}
    rows = session.scalars(select(DatasetVersion).where(DatasetVersion.name.in_(names))).all()
    return {(d.name, d.version): d for d in rows if (d.name, d.version) in refs}
