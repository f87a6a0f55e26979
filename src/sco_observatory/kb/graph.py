"""Membership graph export: GraphML written by hand (no networkx needed) from `membership_graph()` data."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr


def to_graphml(data: dict[str, Any]) -> str:
    """GraphML for the plain-data graph of `queries.membership_graph` (nodes: type, label; edges: status, since, source_id)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        '  <key id="type" for="node" attr.name="type" attr.type="string"/>',
        '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
        '  <key id="status" for="edge" attr.name="status" attr.type="string"/>',
        '  <key id="since" for="edge" attr.name="since" attr.type="string"/>',
        '  <key id="source_id" for="edge" attr.name="source_id" attr.type="string"/>',
        f'  <graph id={quoteattr("membership " + data["as_of"])} edgedefault="undirected">',
    ]
    for n in data["nodes"]:
        lines.append(f'    <node id={quoteattr(n["id"])}>')
        lines.append(f'      <data key="type">{_esc(n["type"])}</data>')
        lines.append(f'      <data key="label">{_esc(n["label"])}</data>')
        lines.append("    </node>")
    for i, e in enumerate(data["edges"]):
        lines.append(f'    <edge id="e{i}" source={quoteattr(e["source"])} target={quoteattr(e["target"])}>')
        for key in ("status", "since", "source_id"):
            lines.append(f'      <data key="{key}">{_esc(str(e[key]))}</data>')
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"


def _esc(text: str) -> str:
    return quoteattr(text)[1:-1]
