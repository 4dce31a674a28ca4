"""The typed dependency graph: the only module that knows networkx.

Nodes: data assets, systems, components, entities, countries, laws. Edges:
``flows_to`` (component -> component, with the data carried), ``holds``
(component -> data), ``part_of`` (component -> system), ``operated_by`` /
``hosted_by`` / ``provided_by`` / ``subprocessor_of`` / ``supported_by``
(component -> entity), ``controlled_by`` (entity -> parent, with ownership),
``located_in`` (component -> country, with the role; for a residency zone, each
member country that has a law of its own, with the zone), ``incorporated_in``
(entity -> country) and ``subject_to`` (country -> law). Every node and edge
keeps the ``file:line`` it came from.
"""

from auditor.graph.build import ResidencyGraph, build_graph
from auditor.graph.control import ControlLink, controllers

__all__ = ["ControlLink", "ResidencyGraph", "build_graph", "controllers"]
