"""A layered SVG picture of the dependency graph, with no external tools.

Columns, left to right: data, components, operators and hosts, their parents,
countries, laws. Labels are escaped; the picture references nothing outside itself.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

COLUMN_WIDTH = 230
NODE_WIDTH = 190
NODE_HEIGHT = 26
GAP = 8
MARGIN = 20
FILL = {
    "data": "#dbeafe",
    "component": "#e0e7ff",
    "entity": "#fef3c7",
    "country": "#dcfce7",
    "law": "#fee2e2",
}
HEADINGS = ["data", "components", "parties", "parents", "parents (2+)", "countries", "laws"]


def _columns(
    nodes: dict[str, dict[str, Any]], edges: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, int]:
    column: dict[str, int] = {}
    for node, attrs in nodes.items():
        kind = attrs.get("type")
        if kind == "data":
            column[node] = 0
        elif kind == "component":
            column[node] = 1
        elif kind == "country":
            column[node] = 5
        elif kind == "law":
            column[node] = 6
    parents: dict[str, list[str]] = {}
    for src, dst, attrs in edges:
        if attrs.get("type") == "controlled_by":
            parents.setdefault(src, []).append(dst)
    frontier = sorted(
        {
            dst
            for src, dst, a in edges
            if column.get(src) == 1 and nodes[dst].get("type") == "entity"
        }
    )
    depth = 2
    seen: set[str] = set()
    while frontier:
        next_frontier: set[str] = set()
        for node in frontier:
            if node in seen:
                continue
            seen.add(node)
            column[node] = max(column.get(node, 0), min(depth, 4))
            next_frontier.update(parents.get(node, []))
        frontier = sorted(next_frontier - seen)
        depth += 1
    for node, attrs in nodes.items():
        column.setdefault(node, 2 if attrs.get("type") == "entity" else 1)
    return column


def render_svg(
    nodes: list[tuple[str, dict[str, Any]]], edges: list[tuple[str, str, dict[str, Any]]]
) -> str:
    """The graph as one standalone SVG document (deterministic for the same graph)."""
    by_id = dict(nodes)
    shown_edges = [e for e in edges if e[2].get("type") not in ("part_of", "holds")]
    # Data enters the picture where it arrives: at both ends of a flow, or where it is held.
    carried: set[tuple[str, str]] = set()
    for src, dst, attrs in edges:
        if attrs.get("type") == "flows_to":
            for asset in str(attrs.get("data", "")).split(","):
                if asset:
                    carried |= {(f"data:{asset}", src), (f"data:{asset}", dst)}
        elif attrs.get("type") == "holds":
            carried.add((dst, src))
    shown_edges += [(d, c, {"type": "reaches"}) for d, c in sorted(carried) if d in by_id]
    column = _columns(by_id, shown_edges)
    rows: dict[int, list[str]] = {}
    for node in sorted(by_id, key=lambda n: (column[n], str(by_id[n].get("label", n)).lower(), n)):
        if by_id[node].get("type") == "system":
            continue
        rows.setdefault(column[node], []).append(node)
    position: dict[str, tuple[int, int]] = {}
    for col, members in rows.items():
        for index, node in enumerate(members):
            position[node] = (
                MARGIN + col * COLUMN_WIDTH,
                MARGIN + 30 + index * (NODE_HEIGHT + GAP),
            )
    height = MARGIN * 2 + 30 + max((len(m) for m in rows.values()), default=1) * (NODE_HEIGHT + GAP)
    width = MARGIN * 2 + 7 * COLUMN_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
        "<title>Dependency graph: data, components, parties, parents, countries, laws</title>",
    ]
    for col, heading in enumerate(HEADINGS):
        parts.append(
            f'<text x="{MARGIN + col * COLUMN_WIDTH}" y="{MARGIN + 12}" font-weight="bold">{heading}</text>'
        )
    for src, dst, attrs in shown_edges:
        if src not in position or dst not in position:
            continue
        (x1, y1), (x2, y2) = position[src], position[dst]
        start_x, end_x = x1 + NODE_WIDTH, x2
        if x2 <= x1:  # same or earlier column: connect left side to left side
            start_x, end_x = x1, x2
        sy, ey = y1 + NODE_HEIGHT // 2, y2 + NODE_HEIGHT // 2
        mid = (start_x + end_x) // 2
        colour = "#b91c1c" if attrs.get("type") == "controlled_by" else "#94a3b8"
        parts.append(
            f'<path d="M{start_x},{sy} C{mid},{sy} {mid},{ey} {end_x},{ey}" fill="none" '
            f'stroke="{colour}" stroke-width="1"><title>{escape(str(attrs.get("type", "")))}</title></path>'
        )
    for node, (x, y) in sorted(position.items()):
        attrs = by_id[node]
        label = str(attrs.get("label", node))
        short = label if len(label) <= 30 else label[:29] + "…"
        where = f" ({attrs['file']}:{attrs['line']})" if attrs.get("file") else ""
        parts.append(
            f"<g><title>{escape(node + where)}</title>"
            f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="4" '
            f'fill="{FILL.get(str(attrs.get("type")), "#f1f5f9")}" stroke="#475569" stroke-width="0.5"/>'
            f'<text x="{x + 6}" y="{y + 17}">{escape(short)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
