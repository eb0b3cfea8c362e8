"""A model's lineage: dataset versions → training runs → model versions → deployments.

The graph holds the runs that produced a registered model version (not every
experiment run), their training and evaluation data, the model deployments
of each version, and the incidents linked to those deployments. The layout is
computed here (layers left to right, each layer ordered by its parents'
positions), so no graph library is needed.

``version_diff`` lines two model versions up: code, data, params, metrics and
how each behaved in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Float, cast, func, select
from sqlalchemy.orm import Session

from app.health.champion import CHAMPION, LIVE_METRIC_ALIASES
from app.store.db import session_scope
from app.store.models import (
    DatasetVersion,
    Deployment,
    DriftResult,
    Incident,
    ModelVersion,
    PerformanceResult,
    ProductionWindow,
    RunMetric,
    RunParam,
    System,
    TrainingRun,
)

__all__ = ["Edge", "LineageGraph", "Node", "build_lineage", "layout", "version_diff"]

LAYERS = ("dataset", "run", "model", "deployment", "incident")


@dataclass(frozen=True)
class Node:
    """One box of the graph; ``status`` drives its colour, ``meta`` the details panel."""

    id: str
    kind: str  # one of LAYERS
    label: str
    status: str
    system: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    champion: bool = False

    @property
    def layer(self) -> int:
        return LAYERS.index(self.kind)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str


@dataclass(frozen=True)
class LineageGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def _dataset_ref(reference: str | None) -> tuple[str, str] | None:
    if not reference or "@" not in reference:
        return None
    name, version = reference.rsplit("@", 1)
    return name, version


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
            for ref in map(_dataset_ref, (run.train_dataset, run.eval_dataset))
            if ref
        }
        datasets = _datasets(session, refs)
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
            ref = _dataset_ref(reference)
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


def _datasets(
    session: Session, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], DatasetVersion]:
    refs = set(refs)
    if not refs:
        return {}
    names = {name for name, _ in refs}
    rows = session.scalars(select(DatasetVersion).where(DatasetVersion.name.in_(names))).all()
    return {(d.name, d.version): d for d in rows if (d.name, d.version) in refs}


def layout(graph: LineageGraph) -> dict[str, tuple[float, float]]:
    """(x, y) per node: x is the layer, y spaces a layer's nodes 1 apart, centred on 0.

    Model versions keep their registry order (name, version) and anchor the
    rest: runs and datasets are ordered by the mean position of the nodes they
    feed, deployments and incidents by the mean position of their sources
    (ties keep the graph's order: time for deployments), which keeps edges short.
    """
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for edge in graph.edges:
        parents.setdefault(edge.target, []).append(edge.source)
        children.setdefault(edge.source, []).append(edge.target)
    order = {node.id: index for index, node in enumerate(graph.nodes)}
    rank: dict[str, float] = {}

    def place(kind: str, neighbours: dict[str, list[str]] | None) -> None:
        members = [n.id for n in graph.nodes if n.kind == kind]

        def key(node_id: str) -> tuple[float, int]:
            near = [rank[m] for m in (neighbours or {}).get(node_id, []) if m in rank]
            return (sum(near) / len(near) if near else float("inf"), order[node_id])

        for index, node_id in enumerate(sorted(members, key=key)):
            rank[node_id] = float(index)

    place("model", None)
    place("run", children)
    place("dataset", children)
    place("deployment", parents)
    place("incident", parents)
    positions: dict[str, tuple[float, float]] = {}
    for kind in LAYERS:
        members = [n for n in graph.nodes if n.kind == kind]
        offset = (len(members) - 1) / 2
        for node in members:
            positions[node.id] = (float(LAYERS.index(kind)), offset - rank[node.id])
    return positions


# --- version diff -------------------------------------------------------------


def version_diff(
    engine: Engine,
    system: str,
    model_name: str,
    versions: Sequence[int],
    *,
    diff_only: bool = True,
) -> pd.DataFrame:
    """Two (or more) versions of a model side by side: ``aspect``, then a column per version.

    Aspects: registration, code commit, training/evaluation data (reference, rows,
    hash, schema columns), params, final metrics, and production behaviour: the
    mean share of drifted columns per window, the mean live value of the
    validation metric over labelled windows, and the deployments' outcomes.
    With ``diff_only`` rows equal in every version are left out.
    """
    with session_scope(engine) as session:
        system_id = session.scalar(select(System.id).where(System.name == system))
        if system_id is None:
            return pd.DataFrame(columns=["aspect"])
        mvs = {
            mv.version: mv
            for mv in session.scalars(
                select(ModelVersion).where(
                    ModelVersion.system_id == system_id,
                    ModelVersion.model_name == model_name,
                    ModelVersion.version.in_(list(versions)),
                )
            )
        }
        columns = {v: _version_facts(session, system_id, mvs[v]) for v in versions if v in mvs}
    labels = {v: f"v{v}" for v in columns}
    aspects: list[str] = []
    for facts in columns.values():
        aspects += [a for a in facts if a not in aspects]
    rows = [
        {"aspect": aspect, **{labels[v]: columns[v].get(aspect) for v in columns}}
        for aspect in aspects
    ]
    frame = pd.DataFrame(rows, columns=["aspect", *labels.values()])
    if diff_only and len(columns) > 1:
        values = frame[list(labels.values())].astype(object)
        text = values.where(values.notna(), None).astype(str)
        frame = frame[(text.nunique(axis=1) > 1).to_numpy()].reset_index(drop=True)
    return frame


def _version_facts(session: Session, system_id: int, mv: ModelVersion) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "registered": f"{mv.registered_at:%Y-%m-%d %H:%M}",
        "alias": mv.alias,
        "validation metric": (
            f"{mv.validation_metric} = {mv.validation_value:.4g}"
            if mv.validation_metric and mv.validation_value is not None
            else None
        ),
    }
    run = (
        session.scalar(select(TrainingRun).where(TrainingRun.run_id == mv.run_id))
        if mv.run_id
        else None
    )
    facts["run"] = mv.run_id
    if run is not None:
        facts["code commit"] = run.code_commit
        for role, reference in (
            ("training data", run.train_dataset),
            ("evaluation data", run.eval_dataset),
        ):
            facts[role] = reference
            ref = _dataset_ref(reference)
            dataset = _datasets(session, [ref]).get(ref) if ref else None
            if dataset is not None:
                facts[f"{role}: rows"] = dataset.rows
                facts[f"{role}: hash"] = (dataset.content_hash or "")[:12] or None
                facts[f"{role}: schema"] = ", ".join(
                    f"{c}:{t}" for c, t in sorted((dataset.schema or {}).items())
                )
        for key, text in session.execute(
            select(RunParam.key, RunParam.value).where(RunParam.run_pk == run.id)
        ):
            facts[f"param: {key}"] = text
        for key, number in session.execute(
            select(RunMetric.key, RunMetric.value).where(RunMetric.run_pk == run.id)
        ):
            facts[f"metric: {key}"] = round(number, 6)
    facts.update(_production(session, system_id, mv))
    return facts


def _production(session: Session, system_id: int, mv: ModelVersion) -> dict[str, Any]:
    windows = select(ProductionWindow.id).where(
        ProductionWindow.system_id == system_id,
        ProductionWindow.model_version == mv.version,
        ProductionWindow.is_reference.is_(False),
    )
    per_window = (
        select(func.avg(cast(DriftResult.drifted, Float)).label("share"))
        .where(DriftResult.window_id.in_(windows))
        .group_by(DriftResult.window_id)
        .subquery()
    )
    drift = session.scalar(select(func.avg(per_window.c.share)))
    metric = (mv.validation_metric or "").lower()
    live_metric = LIVE_METRIC_ALIASES.get(metric, metric)
    live = session.scalar(
        select(func.avg(PerformanceResult.value)).where(
            PerformanceResult.window_id.in_(windows),
            PerformanceResult.metric == live_metric,
            PerformanceResult.segment == "",
            PerformanceResult.estimated.is_(False),
        )
    )
    counts = session.execute(
        select(Deployment.status, func.count())
        .where(
            Deployment.system_id == system_id,
            Deployment.kind == "model",
            Deployment.model_version == mv.version,
            Deployment.environment == "production",
        )
        .group_by(Deployment.status)
        .order_by(Deployment.status)
    ).all()
    return {
        "production: windows": session.scalar(select(func.count()).select_from(windows.subquery())),
        "production: mean drift share": None if drift is None else round(float(drift), 4),
        f"production: mean live {live_metric or 'metric'}": (
            None if live is None else round(float(live), 4)
        ),
        "production: deployments": ", ".join(f"{n} {s}" for s, n in counts) or None,
    }
