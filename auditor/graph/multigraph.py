"""The few operations of a directed multigraph that drawing a system's picture needs.

Importing networkx costs about a tenth of a second, an eighth of a whole ``auditor scan``
of a small Terraform tree (issue 19), and the audit only draws its system pictures from a
neighbourhood of the graph (:meth:`~auditor.graph.build.ResidencyGraph.neighbourhood`).
This class keeps networkx's ``MultiDiGraph`` semantics for what it offers: a node added
again gets its attributes updated, an edge to an unknown node adds the node, and nodes,
successors, predecessors and parallel edges come back in the order they were added, so a
picture drawn from it is the one drawn from the networkx graph (a test compares them).
``auditor graph`` and the exports still build the whole graph with networkx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

Attrs = dict[str, Any]


class MultiDiGraph:
    """Nodes with attributes, and any number of attributed edges between two nodes."""

    def __init__(self) -> None:
        self.nodes: dict[str, Attrs] = {}
        self._succ: dict[str, dict[str, list[Attrs]]] = {}
        self._pred: dict[str, dict[str, list[Attrs]]] = {}

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def add_node(self, node: str, **attrs: Any) -> None:
        """Add ``node``, or update the attributes of the node already there."""
        if node in self.nodes:
            self.nodes[node].update(attrs)
        else:
            self.nodes[node] = dict(attrs)
            self._succ[node] = {}
            self._pred[node] = {}

    def add_edge(self, source: str, target: str, **attrs: Any) -> None:
        """Add one more edge from ``source`` to ``target``, adding either node if new."""
        for node in (source, target):
            if node not in self.nodes:
                self.add_node(node)
        data = dict(attrs)
        self._succ[source].setdefault(target, []).append(data)
        self._pred[target].setdefault(source, []).append(data)

    def out_edges(self, node: str, data: Literal[True] = True) -> Iterator[tuple[str, str, Attrs]]:
        """(node, successor, attributes) of each edge leaving ``node``."""
        for target, edges in self._succ[node].items():
            for attrs in edges:
                yield node, target, attrs

    def in_edges(self, node: str, data: Literal[True] = True) -> Iterator[tuple[str, str, Attrs]]:
        """(predecessor, node, attributes) of each edge reaching ``node``."""
        for source, edges in self._pred[node].items():
            for attrs in edges:
                yield source, node, attrs

    def edges(self, data: Literal[True] = True) -> Iterator[tuple[str, str, Attrs]]:
        """Every edge, grouped by source node in the order the nodes were added."""
        for node in self.nodes:
            yield from self.out_edges(node)
