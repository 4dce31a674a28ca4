"""A layered SVG picture of the dependency graph, with no external tools.

Columns, left to right: data, components, access parties, their controlling parents,
countries, laws. Labels are escaped and wrapped, never cut; the picture references nothing
outside itself.

Issue 18 made it readable on paper: a system's picture is at most :data:`PAGE_WIDTH` pixels
wide, so a landscape A4 page prints it at full size and its 11 px text at 8.25 pt; boxes are
ordered to uncross the lines; the paths by which a law reaches the system's data are drawn
heavy and red; and only the laws that reach something are drawn.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.model.words import words

# Landscape A4 less the page margins (269 mm) is 1017 CSS pixels: a picture no wider prints
# at full size. 11 px is 8.25 pt at that size.
PAGE_WIDTH = 1000
FONT_SIZE = 11
LINE_HEIGHT = 13
NODE_WIDTH = 136
COLUMN_GAP = 30
ROW_GAP = 8
PADDING = 5
MARGIN = 12
HEADER = 22
FILL = {
    "data": "#dbeafe",
    "component": "#e0e7ff",
    "entity": "#fef3c7",
    "country": "#dcfce7",
    "law": "#fee2e2",
}
HEADINGS = ["data", "components", "parties", "parents", "countries", "laws"]
DATA, COMPONENT, PARTY, PARENT, COUNTRY, LAW = range(6)
HIGHLIGHT = "#b91c1c"
PLAIN = "#a3aebd"
# Approximate advance widths, in ems, for wrapping without font files: those of DejaVu Sans,
# the widest of the fonts a report falls back to, so the text stays inside its box.
_NARROW = set("fijlrtI.,:;'|!()[] ")
_WIDE = set("mwMW@%")


def escape(text: str) -> str:
    """``text`` as XML character data: ``&``, ``<`` and ``>`` escaped, as
    ``xml.sax.saxutils.escape`` does (whose import brings in urllib.request: 40 ms of
    every audit, issue 19)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def attribute(text: str) -> str:
    """``text`` inside a double-quoted XML attribute: as :func:`escape`, and ``"`` too."""
    return escape(text).replace('"', "&quot;")


@dataclass(frozen=True)
class Reach:
    """One way a law reaches the system's data, as node ids of the graph."""

    data: str
    component: str
    party: str
    law: str
    mitigated: bool = False


@dataclass
class _Box:
    node: str
    column: int
    lines: list[str]
    x: int = 0
    y: int = 0
    height: int = 0
    neighbours: list[str] = field(default_factory=list)


def text_width(text: str) -> float:
    """Estimated width of ``text`` in pixels at :data:`FONT_SIZE`."""
    ems = sum(0.34 if c in _NARROW else 0.92 if c in _WIDE else 0.64 for c in text)
    return ems * FONT_SIZE


def wrap(label: str, width: float) -> list[str]:
    """``label`` in lines no wider than ``width``, broken between words, or inside a word
    (after / - _ or anywhere) only where one word is wider than a line. Nothing is cut."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while text_width(word) > width:
            cut = _break_point(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _break_point(word: str, width: float) -> int:
    fits = 1
    while fits < len(word) and text_width(word[: fits + 1]) <= width:
        fits += 1
    for index in range(fits, 0, -1):  # prefer a break after a separator
        if word[index - 1] in "/-_.:":
            return index
    return fits


def _columns(
    nodes: dict[str, dict[str, Any]], edges: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, int]:
    column: dict[str, int] = {}
    fixed = {"data": DATA, "component": COMPONENT, "country": COUNTRY, "law": LAW}
    for node, attrs in nodes.items():
        if attrs.get("type") in fixed:
            column[node] = fixed[str(attrs["type"])]
    for src, dst, _attrs in edges:
        if column.get(src) == COMPONENT and nodes[dst].get("type") == "entity":
            column[dst] = PARTY
    for node, attrs in nodes.items():
        column.setdefault(node, PARENT if attrs.get("type") == "entity" else COMPONENT)
    return column


def _order(boxes: dict[str, _Box]) -> dict[int, list[str]]:
    """Boxes per column, ordered to uncross the lines: alphabetically first, then a few
    sweeps that put each box at the mean position of its neighbours (barycentre method)."""
    rows: dict[int, list[str]] = {}
    for node in sorted(boxes, key=lambda n: (" ".join(boxes[n].lines).lower(), n)):
        rows.setdefault(boxes[node].column, []).append(node)
    for _sweep in range(4):
        for columns in (sorted(rows), sorted(rows, reverse=True)):
            rank = {n: i / max(1, len(m)) for m in rows.values() for i, n in enumerate(m)}
            for col in columns:
                members = rows[col]
                centre = {}
                for index, node in enumerate(members):
                    around = [rank[n] for n in boxes[node].neighbours if n in rank]
                    mean = sum(around) / len(around) if around else rank[node]
                    centre[node] = (mean, index)
                rows[col] = sorted(members, key=centre.__getitem__)
    return rows


def render_svg(
    nodes: list[tuple[str, dict[str, Any]]],
    edges: list[tuple[str, str, dict[str, Any]]],
    reaches: Sequence[Reach] | None = None,
) -> str:
    """The graph as one standalone SVG document (deterministic for the same graph).

    With ``reaches`` (a system's picture), the laws drawn are those that reach its data and
    their paths are highlighted; without (the whole graph), every law is drawn.
    """
    by_id = {n: a for n, a in nodes if a.get("type") != "system"}
    if reaches is not None:
        reached = {r.law for r in reaches}
        by_id = {n: a for n, a in by_id.items() if a.get("type") != "law" or n in reached}
    shown = _shown_edges(by_id, edges)
    column = _columns(by_id, shown)
    boxes = {
        node: _Box(
            node, column[node], wrap(str(attrs.get("label", node)), NODE_WIDTH - 2 * PADDING)
        )
        for node, attrs in by_id.items()
    }
    for src, dst, _attrs in shown:
        if src in boxes and dst in boxes:
            boxes[src].neighbours.append(dst)
            boxes[dst].neighbours.append(src)
    rows = _order(boxes)
    used = sorted(rows)
    pitch = NODE_WIDTH + COLUMN_GAP
    x_of = {col: MARGIN + i * pitch for i, col in enumerate(used)}
    bottom = MARGIN + HEADER
    for col, members in rows.items():
        y = MARGIN + HEADER
        for node in members:
            box = boxes[node]
            box.x, box.y = x_of[col], y
            box.height = 2 * PADDING + len(box.lines) * LINE_HEIGHT
            y += box.height + ROW_GAP
        bottom = max(bottom, y)
    width = 2 * MARGIN + max(1, len(used)) * pitch - COLUMN_GAP
    height = bottom - ROW_GAP + MARGIN
    path_edges, path_nodes = _highlighted(shown, reaches or [])
    title = "Dependency graph: data, components, parties, parents, countries, laws"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{FONT_SIZE}" role="img" aria-label="{attribute(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for col in used:
        parts.append(
            f'<text x="{x_of[col]}" y="{MARGIN + 11}" font-weight="bold">{HEADINGS[col]}</text>'
        )
    ordered = sorted(shown, key=lambda e: ((e[0], e[1]) in path_edges, e[0], e[1]))
    for src, dst, attrs in ordered:
        if src in boxes and dst in boxes:
            parts.append(_edge(boxes[src], boxes[dst], attrs, path_edges.get((src, dst))))
    for node in sorted(boxes):
        parts.append(_node(boxes[node], by_id[node], path_nodes.get(node)))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _shown_edges(
    by_id: dict[str, dict[str, Any]], edges: list[tuple[str, str, dict[str, Any]]]
) -> list[tuple[str, str, dict[str, Any]]]:
    """One line per pair of boxes (a component placed in a country for several roles is one
    line), and a line from each data asset to where it arrives: both ends of a flow that
    carries it, or the component that holds it."""
    kinds: dict[tuple[str, str], list[str]] = {}
    for src, dst, attrs in edges:
        kind = str(attrs.get("type", ""))
        if kind == "flows_to":
            for asset in str(attrs.get("data", "")).split(","):
                if asset:
                    for end in (src, dst):
                        kinds.setdefault((f"data:{asset}", end), []).append("reaches")
        elif kind == "holds":
            kinds.setdefault((dst, src), []).append("reaches")
        if kind in ("part_of", "holds"):
            continue
        kinds.setdefault((src, dst), []).append(kind)
    return [
        (src, dst, {"type": ", ".join(sorted(set(k)))})
        for (src, dst), k in sorted(kinds.items())
        if src in by_id and dst in by_id and src != dst
    ]


def _highlighted(
    shown: list[tuple[str, str, dict[str, Any]]], reaches: Iterable[Reach]
) -> tuple[dict[tuple[str, str], bool], dict[str, bool]]:
    """The edges and nodes on a path by which a law reaches data, each with whether every
    such path through it is mitigated. A path is data -> component -> party, then the
    shortest way from the party (its parents, its seat) or else from the component (its
    location) to the law."""
    out: dict[str, list[str]] = {}
    for src, dst, attrs in shown:
        if "flows_to" not in attrs["type"] and "reaches" not in attrs["type"]:
            out.setdefault(src, []).append(dst)
    edges: dict[tuple[str, str], bool] = {}
    nodes: dict[str, bool] = {}
    present = {(s, d) for s, d, _ in shown}
    for reach in reaches:
        steps = [(reach.data, reach.component), (reach.component, reach.party)]
        tail = _shortest(out, reach.party, reach.law) or _shortest(out, reach.component, reach.law)
        steps += list(itertools.pairwise(tail))
        for step in steps:
            if step in present:
                edges[step] = edges.get(step, True) and reach.mitigated
                for node in step:
                    nodes[node] = nodes.get(node, True) and reach.mitigated
    return edges, nodes


def _shortest(out: dict[str, list[str]], start: str, goal: str) -> list[str]:
    """The shortest path from ``start`` to ``goal`` (breadth first, neighbours sorted)."""
    previous: dict[str, str] = {start: start}
    frontier = [start]
    while frontier and goal not in previous:
        following = []
        for node in frontier:
            for nxt in sorted(out.get(node, [])):
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    if goal not in previous:
        return []
    path = [goal]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]


def _edge(src: _Box, dst: _Box, attrs: dict[str, Any], mitigated: bool | None) -> str:
    if dst.x > src.x:
        start_x, end_x = src.x + NODE_WIDTH, dst.x
    elif dst.x < src.x:
        start_x, end_x = src.x, dst.x + NODE_WIDTH
    else:  # same column: a loop out to the left
        start_x = end_x = src.x
    sy, ey = src.y + src.height // 2, dst.y + dst.height // 2
    mid = (start_x + end_x) // 2 if start_x != end_x else start_x - 24
    if mitigated is None:
        style = f'stroke="{PLAIN}" stroke-width="0.8"'
    elif mitigated:
        style = f'stroke="{HIGHLIGHT}" stroke-width="2" stroke-dasharray="5 3"'
    else:
        style = f'stroke="{HIGHLIGHT}" stroke-width="2.4"'
    return (
        f'<path d="M{start_x},{sy} C{mid},{sy} {mid},{ey} {end_x},{ey}" fill="none" {style}>'
        f"<title>{escape(str(attrs.get('type', '')))}</title></path>"
    )


def _node(box: _Box, attrs: dict[str, Any], mitigated: bool | None) -> str:
    # The hover text names the node first, then its id and where it is declared (issue 17).
    label = str(attrs.get("label") or box.node)
    # Separated by " · ", not in parentheses: labels have parentheses of their own.
    parts = [label] if label == box.node else [label, f"id {box.node}"]
    if attrs.get("kind"):  # a component: what it is, since its name may not say
        parts.insert(1, words(str(attrs["kind"])))
    if attrs.get("file"):
        parts.append(f"declared at {attrs['file']}:{attrs['line']}")
    hover = " · ".join(parts)
    border = (
        'stroke="#475569" stroke-width="0.6"'
        if mitigated is None
        else f'stroke="{HIGHLIGHT}" stroke-width="1.8"'
    )
    text = "".join(
        f'<tspan x="{box.x + PADDING}" y="{box.y + PADDING + 10 + i * LINE_HEIGHT}">'
        f"{escape(line)}</tspan>"
        for i, line in enumerate(box.lines)
    )
    return (
        f"<g><title>{escape(hover)}</title>"
        f'<rect x="{box.x}" y="{box.y}" width="{NODE_WIDTH}" height="{box.height}" rx="4" '
        f'fill="{FILL.get(str(attrs.get("type")), "#f1f5f9")}" {border}/>'
        f"<text>{text}</text></g>"
    )
