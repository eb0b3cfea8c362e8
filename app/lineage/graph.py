"""The lineage graph's entities: nodes in layers from data to incidents, and their edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LAYERS", "Edge", "LineageGraph", "Node"]

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
