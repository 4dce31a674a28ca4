"""Build the dependency graph from a checked inventory and the knowledge base."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from auditor.graph.multigraph import MultiDiGraph
from auditor.graph.resolve import (
    Place,
    PlaceKind,
    Publisher,
    ResolvedComponent,
    ResolvedEntity,
    Resolver,
    resolve_entities,
)
from auditor.graph.svg import Reach, render_svg
from auditor.kb.index import KnowledgeIndex
from auditor.model.common import SourceSpan
from auditor.model.inventory import Flow, Inventory
from auditor.model.kb import LawEffect
from auditor.model.words import words

PARTY_EDGE = {
    "operator": "operated_by",
    "hosting": "hosted_by",
    "model_provider": "provided_by",
    "subprocessor": "subprocessor_of",
    "support": "supported_by",
}

# The edge from a component to the publisher of the model family it runs: not an access party.
PUBLISHED_BY = "published_by"

# C0 and C1 control characters other than the line breaks dot_string turns into \\n.
_DOT_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DOT_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string that reads back as the same text.

    The DOT language (https://graphviz.org/doc/info/lang.html) escapes only the double
    quote inside a quoted string (``\\"``); a backslash before a newline continues the
    line, and labels are escStrings (https://graphviz.org/docs/attr-types/escString/)
    where ``\\\\`` is one backslash and ``\\n`` a line break. So: backslashes are
    doubled first (a name ending in a backslash would otherwise escape the closing
    quote), quotes escaped, line breaks written as ``\\n``, other control characters
    (a terminal escape in a name) replaced by a space.
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = _DOT_LINE_BREAK.sub(r"\\n", text)
    return '"' + _DOT_CONTROL.sub(" ", text) + '"'


@dataclass(frozen=True)
class Arrival:
    """How a data asset reaches a component: by a flow, or held there."""

    component: str
    flow: Flow | None  # None when the component holds the data
    source: str | None  # the other end of the flow


def _where(span: SourceSpan | None) -> dict[str, Any]:
    return {"file": span.path, "line": span.line} if span else {}


class ResidencyGraph:
    """The graph plus the resolved components and entities it was built from."""

    def __init__(self, inventory: Inventory, kb: KnowledgeIndex) -> None:
        self.inventory = inventory
        self.kb = kb
        self._g: Any = None
        self._law_countries: frozenset[str] | None = None
        self.entities: dict[str, ResolvedEntity] = resolve_entities(inventory, kb)
        self.resolver = resolver = Resolver(inventory, kb)
        self.eu = resolver.zone("EU")
        self.eea = resolver.zone("EEA")
        org_entity = inventory.organisation.entity
        self.components: dict[str, ResolvedComponent] = {}
        self.system_components: dict[str, list[str]] = {}  # system id -> component keys
        for system in inventory.systems:
            keys = self.system_components.setdefault(system.id, [])
            for comp in system.components:
                resolved = resolver.resolve(system, comp, org_entity)
                self.components[resolved.key] = resolved
                keys.append(resolved.key)

    @property
    def g(self) -> Any:
        """The whole typed graph (networkx), built on first use.

        The exposure engine works on the resolved components, so an audit never
        needs the whole graph: it draws a few systems from their neighbourhood
        (:meth:`neighbourhood`). ``auditor graph`` and exports build it in full.
        """
        if self._g is None:
            import networkx as nx  # only here and in the exports: an audit never needs it

            self._g = nx.MultiDiGraph()
            self._build(self._g, None)
        return self._g

    def neighbourhood(self, system_ids: Iterable[str]) -> Any:
        """The part of the graph that pictures of these systems show.

        Their components, the components at the other end of their flows, and
        everything those reach (data, parties and their controllers, countries,
        laws), with every edge between them: for these systems, :func:`system_svg`
        draws the same picture from it as from the whole graph.
        """
        chosen = {k for s in system_ids for k in self.system_components.get(s, [])}
        near = set(chosen)
        for system in self.inventory.systems:
            for flow in system.flows:
                src, dst = self.flow_ends(system.id, flow)
                if src in chosen or dst in chosen:
                    near |= {src, dst}
        g = MultiDiGraph()
        self._build(g, near)
        return g

    def _acts_in(self, place: Place) -> set[str]:
        """Countries a place puts a component in: its country, or the countries of its
        residency zone that have a law of their own (the zone's other members add no
        territorial reach, and drawing them all would bury the picture)."""
        if place.kind is PlaceKind.COUNTRY and place.country:
            return {place.country}
        if place.kind is PlaceKind.ZONE:
            if self._law_countries is None:
                self._law_countries = frozenset(law.jurisdiction for law in self.kb.laws.values())
            return set(place.countries & self._law_countries)
        return set()

    def countries(self) -> set[str]:
        """Codes of the graph's country nodes: where components act, the seats of their
        parties and of everyone above those in the ownership chains, and the seats of
        the publishers of the models they run.

        Computed from the resolved components, without building the graph.
        """
        found: set[str] = set()
        stack: list[str] = []
        for rc in self.components.values():
            for place in rc.places.values():
                found |= self._acts_in(place)
            stack.extend(party.entity for party in rc.parties)
            if rc.publisher is not None:
                publisher = self.entities.get(rc.publisher.entity)
                found |= publisher.seats if publisher else frozenset()
        seen: set[str] = set()
        while stack:
            ident = stack.pop()
            if ident in seen:
                continue
            seen.add(ident)
            entity = self.entities.get(ident)
            if entity is not None:
                found |= entity.seats
                stack.extend(ownership.entity for ownership in entity.parents or ())
        return found

    # -- construction -------------------------------------------------------------
    def _build(self, g: Any, only: set[str] | None) -> None:
        """Add the nodes and edges of the components in ``only`` (every one when None)."""
        components = [
            (key, rc) for key, rc in self.components.items() if only is None or key in only
        ]
        systems = {rc.system.id for _, rc in components}
        for asset in self.inventory.data:
            g.add_node(
                f"data:{asset.id}", type="data", label=asset.name or asset.id, **_where(asset.span)
            )
        for system in self.inventory.systems:
            if system.id not in systems and only is not None:
                continue
            g.add_node(
                f"system:{system.id}",
                type="system",
                label=system.name or system.id,
                **_where(system.span),
            )
        publishers: list[tuple[str, Publisher]] = []
        for key, rc in components:
            node = f"component:{key}"
            g.add_node(
                node,
                type="component",
                # Read by people (issue 18): the name the inventory gives, else the id and
                # its kind in words; the kind is an attribute of its own either way.
                label=rc.component.name or f"{key} ({words(rc.kind.value)})",
                kind=rc.kind.value,
                **_where(rc.component.span),
            )
            g.add_edge(node, f"system:{rc.system.id}", type="part_of", **_where(rc.component.span))
            for held in rc.component.holds:
                g.add_edge(
                    node, f"data:{held}", type="holds", **_where(rc.component.span_of("holds"))
                )
            for party in rc.parties:
                self._add_entity(g, party.entity)
                g.add_edge(
                    node,
                    f"entity:{party.entity}",
                    type=PARTY_EDGE[party.role],
                    **_where(party.span),
                )
            if rc.publisher is not None:
                publishers.append((node, rc.publisher))
            for role, place in sorted(rc.places.items()):
                for country in sorted(self._acts_in(place)):
                    self._add_country(g, country)
                    zone = {"zone": place.label} if place.kind is PlaceKind.ZONE else {}
                    g.add_edge(
                        node,
                        f"country:{country}",
                        type="located_in",
                        role=role.value,
                        **zone,
                        **_where(place.span),
                    )
        # After every access party, so a publisher that is also one keeps its owners.
        for node, publisher in publishers:
            self._add_publisher(g, node, publisher)
        for system in self.inventory.systems:
            for flow in system.flows:
                src, dst = self.flow_ends(system.id, flow)
                if only is not None and (src not in only or dst not in only):
                    continue
                g.add_edge(
                    f"component:{src}",
                    f"component:{dst}",
                    type="flows_to",
                    data=",".join(flow.data),
                    **_where(flow.span),
                )

    def _add_publisher(self, g: Any, node: str, publisher: Publisher) -> None:
        """The publisher of the model a component runs, with its seat: provenance only.

        No law reaches data through a publisher (DESIGN.md 3.3), so its owners are not
        walked: they matter to no exposure.
        """
        ident = publisher.entity
        target = f"entity:{ident}"
        if target not in g:
            entity = self.entities.get(ident)
            if entity is None:
                g.add_node(target, type="entity", label=ident)
            else:
                g.add_node(
                    target,
                    type="entity",
                    label=entity.name,
                    origin=entity.origin,
                    **_where(entity.span),
                )
                for seat in sorted(entity.seats):
                    self._add_country(g, seat)
                    g.add_edge(
                        target, f"country:{seat}", type="incorporated_in", **_where(entity.span)
                    )
        g.add_edge(
            node,
            target,
            type=PUBLISHED_BY,
            family=publisher.family.id,
            **_where(publisher.span),
        )

    def _add_country(self, g: Any, code: str) -> None:
        node = f"country:{code}"
        if node in g:
            return
        jurisdiction = self.kb.jurisdictions.get(code)
        g.add_node(
            node,
            type="country",
            label=self.kb.country_name(code),
            **_where(jurisdiction.span if jurisdiction else None),
        )
        for law in self.kb.laws_by_jurisdiction.get(code, []):
            if law.effect is LawEffect.SAFEGUARD:
                continue  # a safeguard compels no one: the graph draws the laws that can
            law_node = f"law:{law.id}"
            if law_node not in g:
                g.add_node(law_node, type="law", label=law.short_name, **_where(law.span))
            g.add_edge(node, law_node, type="subject_to", **_where(law.span))

    def _add_entity(self, g: Any, ident: str) -> None:
        """Add an entity, its seats and everyone above it.

        Each entity's steps are a generator that yields a parent to add before its
        ``controlled_by`` edge; driving them from an explicit stack keeps the order of a
        recursive walk without Python's recursion limit (a chain of a thousand owners).
        """
        stack = [self._entity_steps(g, ident)]
        while stack:
            parent = next(stack[-1], None)
            if parent is None:
                stack.pop()
            else:
                stack.append(self._entity_steps(g, parent))

    def _entity_steps(self, g: Any, ident: str) -> Iterator[str]:
        node = f"entity:{ident}"
        if node in g:
            return
        entity = self.entities.get(ident)
        if entity is None:
            g.add_node(node, type="entity", label=ident)
            return
        g.add_node(
            node, type="entity", label=entity.name, origin=entity.origin, **_where(entity.span)
        )
        for seat in sorted(entity.seats):
            self._add_country(g, seat)
            g.add_edge(node, f"country:{seat}", type="incorporated_in", **_where(entity.span))
        for ownership in entity.parents or ():
            yield ownership.entity  # added (with its own parents) before the edge to it
            attrs: dict[str, float | bool | str] = {
                k: v
                for k, v in {
                    "share_pct": ownership.share_pct,
                    "voting_pct": ownership.voting_pct,
                    "veto": ownership.veto,
                    "appoints_board_majority": ownership.appoints_board_majority,
                }.items()
                if v is not None
            }
            # Control stated without a figure: only where recorded, so graphs of links
            # with a stake keep their attributes.
            if ownership.majority:
                attrs["majority"] = True
            if ownership.basis is not None:
                attrs["basis"] = ownership.basis.value
            if ownership.reported_by is not None:
                attrs["reported_by"] = ownership.reported_by
            if ownership.via:
                attrs["via"] = ", ".join(ownership.via)
            g.add_edge(
                node,
                f"entity:{ownership.entity}",
                type="controlled_by",
                **attrs,
                **_where(ownership.span),
            )

    # -- queries ------------------------------------------------------------------
    @staticmethod
    def flow_ends(system_id: str, flow: Flow) -> tuple[str, str]:
        """Qualified ``system/component`` keys of a flow's two ends."""

        def qualify(ref: str) -> str:
            return ref if "/" in ref else f"{system_id}/{ref}"

        return qualify(flow.source), qualify(flow.target)

    def arrivals(self) -> dict[str, list[Arrival]]:
        """For each data asset, every component it reaches and how (sorted, deterministic)."""
        reach: dict[str, dict[str, Arrival]] = {asset.id: {} for asset in self.inventory.data}
        for key, rc in sorted(self.components.items()):
            for asset in rc.component.holds:
                reach[asset].setdefault(key, Arrival(key, None, None))
        for system in self.inventory.systems:
            for flow in system.flows:
                src, dst = self.flow_ends(system.id, flow)
                for asset in flow.data:
                    reach[asset].setdefault(src, Arrival(src, flow, dst))
                    reach[asset].setdefault(dst, Arrival(dst, flow, src))
        return {asset: [reach[asset][k] for k in sorted(reach[asset])] for asset in sorted(reach)}

    # -- export -------------------------------------------------------------------
    def to_json(self) -> str:
        """Node-link JSON, sorted for byte-identical output."""
        nodes = [{"id": n, **self.g.nodes[n]} for n in sorted(self.g.nodes)]
        edges = sorted(
            ({"source": s, "target": t, **a} for s, t, a in self.g.edges(data=True)),
            key=lambda e: json.dumps(e, sort_keys=True),
        )
        return json.dumps({"nodes": nodes, "edges": edges}, indent=2, sort_keys=True) + "\n"

    def to_graphml(self) -> str:
        """GraphML for yEd, Gephi and networkx."""
        import networkx as nx

        buffer = BytesIO()
        ordered: Any = nx.MultiDiGraph()
        for node in sorted(self.g.nodes):
            ordered.add_node(node, **self.g.nodes[node])
        for s, t, a in sorted(
            self.g.edges(data=True), key=lambda e: (e[0], e[1], json.dumps(e[2], sort_keys=True))
        ):
            ordered.add_edge(s, t, **a)
        nx.write_graphml(ordered, buffer)
        return buffer.getvalue().decode("utf-8")

    def to_dot(self) -> str:
        """Graphviz DOT, layered left to right; every ID and label quoted by :func:`dot_string`."""
        lines = [
            "digraph residency {",
            "  rankdir=LR;",
            '  node [shape=box, fontname="Helvetica"];',
        ]
        for node in sorted(self.g.nodes):
            attrs = self.g.nodes[node]
            label = dot_string(str(attrs.get("label", node)))
            group = dot_string(str(attrs.get("type", "")))
            lines.append(f"  {dot_string(node)} [label={label}, group={group}];")
        for s, t, a in sorted(
            self.g.edges(data=True), key=lambda e: (e[0], e[1], str(e[2].get("type")))
        ):
            label = dot_string(str(a.get("type", "")))
            lines.append(f"  {dot_string(s)} -> {dot_string(t)} [label={label}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_svg(self) -> str:
        """A layered, self-contained SVG picture."""
        return render_svg(self.nodes(), self.edges())

    def nodes(self) -> list[tuple[str, dict[str, Any]]]:
        """All nodes with their attributes, sorted."""
        return [(n, dict(self.g.nodes[n])) for n in sorted(self.g.nodes)]

    def edges(self) -> list[tuple[str, str, dict[str, Any]]]:
        """All edges with their attributes, sorted."""
        return sorted(
            ((s, t, dict(a)) for s, t, a in self.g.edges(data=True)),
            key=lambda e: (e[0], e[1], str(e[2].get("type"))),
        )


def build_graph(inventory: Inventory, kb: KnowledgeIndex) -> ResidencyGraph:
    """Resolve every component and build the graph."""
    return ResidencyGraph(inventory, kb)


def system_svg(
    graph: ResidencyGraph,
    system_id: str,
    g: Any = None,
    reaches: Sequence[tuple[str, str, str, str, bool]] = (),
) -> str:
    """The picture of one system: its components, the data reaching them, their parties,
    the parties' controllers, the countries involved and those countries' laws.

    Only the system's neighbourhood is visited, so drawing every system of a large
    estate costs time proportional to the estate, not its square. ``g`` is the
    graph to draw from: the whole graph by default, or a :meth:`ResidencyGraph.neighbourhood`
    that contains the system. ``reaches`` are the system's exposures as (data asset,
    component, party, law, mitigated) ids: their paths are highlighted, and only their
    laws are drawn.
    """
    g = graph.g if g is None else g
    components = sorted(f"component:{k}" for k in graph.system_components.get(system_id, []))
    keep = set(components)
    picked: list[tuple[str, str, dict[str, Any]]] = []
    for node in components:
        for _src, dst, attrs in g.out_edges(node, data=True):
            kind = attrs.get("type")
            if kind in PARTY_EDGE.values() or kind in ("located_in", "holds", "flows_to"):
                keep.add(dst)
        for src, _, attrs in g.in_edges(node, data=True):
            if attrs.get("type") == "flows_to":
                keep.add(src)
    for _, _, attrs in [e for n in components for e in g.out_edges(n, data=True)] + [
        e for n in components for e in g.in_edges(n, data=True)
    ]:
        if attrs.get("type") == "flows_to":
            keep |= {f"data:{a}" for a in str(attrs.get("data", "")).split(",") if a}
    frontier = [n for n in keep if g.nodes[n].get("type") == "entity"]
    while frontier:  # controllers of kept entities, and their seats
        node = frontier.pop()
        for _, dst, attrs in g.out_edges(node, data=True):
            if attrs.get("type") in ("controlled_by", "incorporated_in") and dst not in keep:
                keep.add(dst)
                if g.nodes[dst].get("type") == "entity":
                    frontier.append(dst)
    for node in [n for n in keep if g.nodes[n].get("type") == "country"]:
        for _, dst, attrs in g.out_edges(node, data=True):
            if attrs.get("type") == "subject_to":
                keep.add(dst)
    for node in sorted(keep):
        for src, dst, attrs in g.out_edges(node, data=True):
            if dst in keep:
                picked.append((src, dst, dict(attrs)))
    picked.sort(key=lambda e: (e[0], e[1], str(e[2].get("type")), str(e[2].get("data", ""))))
    nodes = [(n, dict(g.nodes[n])) for n in sorted(keep)]
    prefix = f"{system_id}/"
    for _node, attrs in nodes:  # the picture is of one system: its components need no prefix
        label = str(attrs.get("label", ""))
        if attrs.get("type") == "component" and label.startswith(prefix):
            attrs["label"] = label[len(prefix) :]
    paths = [
        Reach(f"data:{d}", f"component:{system_id}/{c}", f"entity:{p}", f"law:{law}", m)
        for d, c, p, law, m in sorted(set(reaches))
    ]
    return render_svg(nodes, picked, paths)
