"""The lineage graph of a system's registered model versions, read from the store.

The graph holds the runs that produced a registered model version (not every
experiment run), their training and evaluation data, the model deployments
of each version, and the incidents linked to those deployments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from app.health.champion import CHAMPION
from app.lineage.datasets import dataset_ref, dataset_versions
from app.lineage.graph import Edge, LineageGraph, Node
from app.store.db import session_scope
from app.store.models import Deployment, Incident, ModelVersion, System, TrainingRun

__all__ = ["build_lineage"]


def _model_id(system: str, name: str, version: int) -> str:
    return f"model:{system}:{name}:v{version}"


def build_lineage(engine: Engine, system: str | None = None) -> LineageGraph:
    """The lineage of every registered model version of ``system`` (all systems if None)."""
    with session_scope(engine) as session:
        systems = dict(session.execute(select(System.id, System.name)).all())
        versions = session.scalars(
            _for_system(select(ModelVersion), ModelVersion.system_id, system).order_by(
                ModelVersion.model_name, ModelVersion.version
            )
        ).all()
        run_ids = [v.run_id for v in versions if v.run_id]
        runs = session.scalars(select(TrainingRun).where(TrainingRun.run_id.in_(run_ids))).all()
        refs = {
            ref
            for run in runs
            for ref in map(dataset_ref, (run.train_dataset, run.eval_dataset))
            if ref
        }
        datasets = dataset_versions(session, refs)
        deployments = session.scalars(
            _for_system(select(Deployment), Deployment.system_id, system)
            .where(Deployment.kind == "model", Deployment.model_version.is_not(None))
            .order_by(Deployment.deployed_at)
        ).all()
        incidents = session.scalars(
            _for_system(select(Incident), Incident.system_id, system).where(
                Incident.deployment_id.in_([d.deployment_id for d in deployments])
            )
        ).all()
    nodes: list[Node] = []
    edges: list[Edge] = []
    for (name, version), dataset in sorted(datasets.items()):
        nodes.append(
            Node(
                f"dataset:{name}@{version}",
                "dataset",
                f"{name}@{version}",
                "data",
                "",
                {
                    "rows": dataset.rows,
                    "content hash": dataset.content_hash,
                    "source": dataset.source,
                    "created": dataset.created_at,
                    "columns": len(dataset.schema or {}),
                },
            )
        )
    for run in runs:
        run_node = f"run:{run.run_id}"
        nodes.append(
            Node(
                run_node,
                "run",
                f"run {run.run_id[:8]}",
                "ok" if run.status.upper() == "FINISHED" else "failed",
                systems[run.system_id],
                {
                    "run id": run.run_id,
                    "experiment": run.experiment,
                    "status": run.status,
                    "started": run.started_at,
                    "code commit": run.code_commit,
                    "trigger": run.trigger,
                },
            )
        )
        for reference in (run.train_dataset, run.eval_dataset):
            ref = dataset_ref(reference)
            if ref in datasets:
                edges.append(Edge(f"dataset:{ref[0]}@{ref[1]}", run_node))
    run_set = {r.run_id for r in runs}
    by_version: dict[tuple[int, int], list[str]] = {}
    for mv in versions:
        system_name = systems[mv.system_id]
        model_node = _model_id(system_name, mv.model_name, mv.version)
        by_version.setdefault((mv.system_id, mv.version), []).append(model_node)
        nodes.append(
            Node(
                model_node,
                "model",
                f"{mv.model_name} v{mv.version}",
                mv.alias or "registered",
                system_name,
                {
                    "model": mv.model_name,
                    "version": mv.version,
                    "alias": mv.alias,
                    "registered": mv.registered_at,
                    "task": mv.task,
                    "validation": (
                        f"{mv.validation_metric} = {mv.validation_value:.4g}"
                        if mv.validation_metric and mv.validation_value is not None
                        else None
                    ),
                    "run id": mv.run_id,
                },
                champion=mv.alias == CHAMPION,
            )
        )
        if mv.run_id in run_set:
            edges.append(Edge(f"run:{mv.run_id}", model_node))
    for dep in deployments:
        targets = by_version.get((dep.system_id, dep.model_version or -1), [])
        if not targets:
            continue
        dep_node = f"deployment:{dep.deployment_id}"
        nodes.append(
            Node(
                dep_node,
                "deployment",
                f"v{dep.model_version} → {dep.environment} {dep.deployed_at:%d %b}",
                dep.status,
                systems[dep.system_id],
                {
                    "deployment": dep.deployment_id,
                    "environment": dep.environment,
                    "deployed": dep.deployed_at,
                    "status": dep.status,
                    "model version": dep.model_version,
                    "commit": dep.commit_sha,
                },
            )
        )
        edges += [Edge(target, dep_node) for target in targets]
    for incident in incidents:
        node_id = f"incident:{incident.incident_id}"
        nodes.append(
            Node(
                node_id,
                "incident",
                f"{incident.incident_id} ({incident.severity})",
                "open" if incident.resolved_at is None else "resolved",
                systems[incident.system_id],
                {
                    "incident": incident.incident_id,
                    "title": incident.title,
                    "severity": incident.severity,
                    "cause": incident.cause,
                    "opened": incident.opened_at,
                    "resolved": incident.resolved_at,
                },
            )
        )
        edges.append(Edge(f"deployment:{incident.deployment_id}", node_id))
    return LineageGraph(tuple(nodes), tuple(edges))


def _for_system(query: Any, column: Any, system: str | None) -> Any:
    if system is None:
        return query
    return query.where(column.in_(select(System.id).where(System.name == system)))
