"""The lineage graph, its layout and the version diff, on the seeded sample data."""

from __future__ import annotations

from sqlalchemy import Engine

from app.lineage.build import build_lineage
from app.lineage.graph import LAYERS
from app.lineage.layout import layout
from app.lineage.version_diff import version_diff


def test_graph_links_data_runs_models_deployments_and_incidents(seeded_engine: Engine) -> None:
    graph = build_lineage(seeded_engine, "fraud-scoring")
    kinds = {n.kind for n in graph.nodes}
    assert kinds == set(LAYERS)
    ids = {n.id for n in graph.nodes}
    for edge in graph.edges:
        assert edge.source in ids
        assert edge.target in ids
        assert graph.node(edge.source).layer < graph.node(edge.target).layer
    champions = [n for n in graph.nodes if n.champion]
    assert [n.label for n in champions] == ["fraud-model v3"]
    # the bad release: v4 went to production and was rolled back, with its incident
    v4 = "model:fraud-scoring:fraud-model:v4"
    rolled = [n for n in graph.nodes if n.kind == "deployment" and n.status == "rolled_back"]
    assert len(rolled) == 1
    assert rolled[0].meta["model version"] == 4
    assert any(e.source == v4 and e.target == rolled[0].id for e in graph.edges)
    incident = next(n for n in graph.nodes if n.kind == "incident")
    assert any(e.source == rolled[0].id and e.target == incident.id for e in graph.edges)
    # every model version traces back to a run and that run to its data
    for model in (n for n in graph.nodes if n.kind == "model"):
        runs = [e.source for e in graph.edges if e.target == model.id]
        assert len(runs) == 1
        assert any(e.target == runs[0] and e.source.startswith("dataset:") for e in graph.edges)


def test_layout_is_left_to_right_without_overlaps(seeded_engine: Engine) -> None:
    graph = build_lineage(seeded_engine)
    positions = layout(graph)
    assert set(positions) == {n.id for n in graph.nodes}
    for node in graph.nodes:
        assert positions[node.id][0] == node.layer
    assert len(set(positions.values())) == len(positions)


def test_version_diff_shows_what_changed_in_the_bad_release(seeded_engine: Engine) -> None:
    diff = version_diff(seeded_engine, "fraud-scoring", "fraud-model", [3, 4])
    full = version_diff(seeded_engine, "fraud-scoring", "fraud-model", [3, 4], diff_only=False)
    assert list(diff.columns) == ["aspect", "v3", "v4"]
    assert len(diff) < len(full)
    aspects = set(diff["aspect"])
    assert {"code commit", "param: max_depth", "metric: test_auc"} <= aspects
    assert "production: deployments" in aspects
    live = diff[diff["aspect"] == "production: mean live roc_auc"].iloc[0]
    assert live["v4"] < live["v3"]  # the performance drop of the rolled-back version
    assert "training data" in set(full["aspect"])
    assert "training data: rows" in set(full["aspect"])
