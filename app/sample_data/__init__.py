"""Deterministic, seeded sample data for Tandem: ``python -m app.sample_data --out sample_data/``.

Three systems over the 90 days ending at ``ENDS_AT``: fraud-scoring (classifier), demand-forecast
(regressor) and checkout-api (plain service), with planted DevOps and MLOps events described in
``story.py``.  This package only writes files: it imports nothing else from ``app`` and never
streamlit, so it can run in CI or a bare container.  A later seeding step shifts all timestamps
so the data ends "now"; the manifest records ``ends_at`` for that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import costs, health, kpis, models, production, services, writer
from .story import ENDS_AT, ML_SYSTEMS, SEED, SYSTEMS

__all__ = ["ENDS_AT", "SEED", "build_tables", "generate"]

CSV_KINDS = (
    "datasets", "pipelines", "runs", "models", "deployments", "incidents", "kpis", "costs",
    "budgets",
)  # fmt: skip


def build_tables() -> dict[str, pd.DataFrame]:
    """Every non-production table, keyed by manifest kind, in load order.

    Order of construction follows the data's dependencies: deployment plans -> pipelines (the
    deployed commits) -> runs (their code commits) -> deployments (model deploys reference
    training runs) -> incidents (link deployments) -> health (incidents and restarts).
    """
    plans = {system: services.plan_service_deploys(system) for system in SYSTEMS}
    pipelines = services.build_pipelines(plans)
    runs, metrics, registry = models.build_training(pipelines)
    runs = costs.with_run_costs(runs)
    deployments = services.build_deployments(plans, runs, registry)
    return {
        "datasets": models.build_datasets(),
        "pipelines": pipelines,
        "runs": runs,
        "metrics": metrics,
        "models": registry,
        "deployments": deployments,
        "incidents": services.build_incidents(deployments),
        "health": health.build_health(deployments),
        "kpis": kpis.build_kpis(),
        "costs": costs.build_costs(),
        "budgets": costs.build_budgets(),  # saved by ``tandem seed``, not ingested
    }


def generate(out_dir: Path | str) -> dict[str, Any]:
    """Write the whole sample data set into ``out_dir`` and return the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writer.remove_previous(out)
    files: list[dict[str, Any]] = []
    for kind, frame in build_tables().items():
        if kind in CSV_KINDS:
            path = f"{kind}.csv"
            writer.write_csv(frame, out / path)
        else:
            path = f"{kind}.parquet"
            writer.write_parquet(frame, out / path)
        files.append({"kind": kind, "path": path})
    for system in ML_SYSTEMS:
        for version in production.reference_versions(system):
            path = f"production/{system}/reference_v{version}.parquet"
            writer.write_parquet(production.reference_frame(system, version), out / path)
            files.append(
                {
                    "kind": "production",
                    "path": path,
                    "system": system,
                    "reference": True,
                    "model_version": version,
                }
            )
    for system in ML_SYSTEMS:
        path = f"production/{system}/windows.parquet"
        writer.write_parquet(production.windows(system), out / path)
        files.append({"kind": "production", "path": path, "system": system, "reference": False})
    manifest = {
        "ends_at": ENDS_AT.isoformat(),
        "generator": "python -m app.sample_data",
        "seed": SEED,
        "files": files,
    }
    writer.write_manifest(out, manifest)
    return manifest
