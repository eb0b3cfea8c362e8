"""Where to draw each node of a lineage graph: layers left to right, no graph library.

Each layer is ordered by its neighbours' positions, which keeps edges short.
"""

from __future__ import annotations

from app.lineage.graph import LAYERS, LineageGraph

__all__ = ["layout"]


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
