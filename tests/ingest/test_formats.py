"""The formats as data: the public API, the docs generated from them, their consistency."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import app.ingest
from app.config import PROJECT_ROOT
from app.ingest.formats import FORMATS, KINDS
from app.ingest.formats_doc import render_markdown
from app.store.models import Base

DOC = PROJECT_ROOT / "docs" / "data-formats.md"


def test_public_api() -> None:
    assert sorted(app.ingest.__all__) == ["IngestError", "IngestSummary", "KINDS", "ingest_file"]
    assert KINDS == (
        "pipelines", "deployments", "incidents", "health", "datasets", "runs", "metrics", "models",
        "costs", "kpis", "production",
    )  # fmt: skip
    assert issubclass(app.ingest.IngestError, ValueError)


def test_doc_is_generated_from_the_specs() -> None:
    """Regenerate with: python -m app.ingest.formats_doc > docs/data-formats.md"""
    assert DOC.read_text(encoding="utf-8") == render_markdown()


def test_module_prints_the_doc() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.ingest.formats_doc"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert result.stdout == render_markdown()


def test_every_kind_documented() -> None:
    text = render_markdown()
    for kind, spec in FORMATS.items():
        assert f"## `{kind}`" in text
        for column in spec.columns:
            assert f"| `{column.name}` |" in text
            assert column.example
            assert column.meaning


def test_keys_are_columns() -> None:
    for spec in FORMATS.values():
        names = {c.name for c in spec.columns}
        assert set(spec.key) <= names, spec.kind


def test_fixed_columns_exist_in_their_tables() -> None:
    tables = {
        "pipelines": "pipeline_runs", "deployments": "deployments", "incidents": "incidents",
        "health": "health_samples", "datasets": "dataset_versions", "runs": "training_runs",
        "metrics": "metric_points", "models": "model_versions",
    }  # fmt: skip
    for kind, table in tables.items():
        columns = set(Base.metadata.tables[table].columns.keys()) | {"system", "run_id"}
        assert {c.name for c in FORMATS[kind].columns} <= columns, kind


def test_doc_path() -> None:
    assert DOC == Path(PROJECT_ROOT, "docs", "data-formats.md")
