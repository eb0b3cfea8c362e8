"""MLflow stores built once per session (MLflow is slow to start) and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.mlflow.store import build_store, tracking_uri

pytest.importorskip("mlflow")


@pytest.fixture(scope="session")
def mlflow_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    roots = {}
    for kind in ("sqlite", "file"):
        root = tmp_path_factory.mktemp(f"mlflow-{kind}")
        build_store(kind, root)
        roots[kind] = root
    return roots


@pytest.fixture(params=["sqlite", "file"])
def mlflow_store(
    request: pytest.FixtureRequest,
    mlflow_templates: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """A copy of a store of each kind: ``sqlite:///…`` and a ``./mlruns`` file store."""
    kind = request.param
    root = tmp_path / f"mlflow-{kind}"
    shutil.copytree(mlflow_templates[kind], root)
    uri = tracking_uri(kind, root)
    # What the test writes with MLflow's client stays in this store (see build_store).
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri
