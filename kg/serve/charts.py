"""Charts drawn as SVG on the server, and the schema.org JSON-LD a page embeds.

Server-side SVG needs no JavaScript (the pages stay readable with it off, and the
Content-Security-Policy's 'self'-only scripts are untouched) and no asset fetched at run time.
The SVG is built with `xml.etree.ElementTree`, which escapes every name and title it is given,
so a title holding markup stays text. Each chart has labelled axes and a `<title>`; the page
shows the same numbers as a table beside it. Every mark (bar segment, cell, node) carries
class `mark`, so tests and stylesheets can find them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from markupsafe import Markup
from pyoxigraph import Triple
from rdflib import Graph

from kg.metadata.context import context
from kg.store.convert import triple_to_rdflib

SVG = "http://www.w3.org/2000/svg"
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 48
_SAFE_JSON = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class Series:
    """One stacked layer of a bar chart: its name (the legend), CSS class and a value per bar."""

    name: str
    css: str
    values: Sequence[int]


def _svg(width: int, height: int, title: str) -> ET.Element:
    root = ET.Element("svg", {"xmlns": SVG, "viewBox": f"0 0 {width} {height}",
                              "width": str(width), "height": str(height), "role": "img",
                              "class": "chart"})
    ET.SubElement(root, "title").text = title
    return root


def _text(parent: ET.Element, x: float, y: float, text: str, css: str, **extra: str
          ) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "class": css,
                                             **extra})
    element.text = text
    return element


def _markup(root: ET.Element) -> Markup:
    return Markup(ET.tostring(root, encoding="unicode"))  # escaped by ElementTree


def _ticks(top: int) -> list[int]:
    """At most six round values from 0 to at least `top` for the value axis."""
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step))


def years(rows: Sequence[dict[str, Any]]) -> list[int]:
    """Every year from the first to the last of `rows` (a time axis keeps its gaps)."""
    found = [int(r["year"].value) for r in rows if r.get("year") is not None]
    return list(range(min(found), max(found) + 1)) if found else []


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series],
              x_label: str, y_label: str) -> Markup:
    """Vertical bars, one per label, stacked by series; a rect per non-zero value."""
    width = _LEFT + _RIGHT + max(1, len(labels)) * 36
    slanted = any(len(label) > 4 for label in labels)  # names: written at a slant
    height = 240 + (80 if slanted else 0)
    plot_h = 240 - _TOP - _BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0) or 1)
    scale = plot_h / ticks[-1]
    root = _svg(max(width, 320), height, title)
    axis = ET.SubElement(root, "g", {"class": "axis"})
    for tick in ticks:
        y = _TOP + plot_h - tick * scale
        ET.SubElement(axis, "line", {"x1": str(_LEFT), "x2": str(width - _RIGHT),
                                     "y1": f"{y:.1f}", "y2": f"{y:.1f}", "class": "grid"})
        _text(axis, _LEFT - 6, y + 4, str(tick), "tick", **{"text-anchor": "end"})
    for i, label in enumerate(labels):
        x = _LEFT + i * 36 + 4
        bar = ET.SubElement(root, "g", {"class": "bar", "data-label": label})
        ET.SubElement(bar, "title").text = f"{label}: " + ", ".join(
            f"{s.values[i]} {s.name}" for s in series)
        base = float(_TOP + plot_h)
        for s in series:
            if s.values[i] <= 0:
                continue
            h = s.values[i] * scale
            base -= h
            ET.SubElement(bar, "rect", {"x": str(x), "y": f"{base:.1f}", "width": "28",
                                        "height": f"{h:.1f}", "class": f"mark {s.css}",
                                        "data-value": str(s.values[i])})
        if slanted:
            y = _TOP + plot_h + 12
            _text(axis, x + 14, y, label if len(label) <= 22 else label[:21] + "…", "tick",
                  **{"text-anchor": "end", "transform": f"rotate(-40 {x + 14} {y:.1f})"})
        else:
            _text(axis, x + 14, _TOP + plot_h + 16, label[-2:] if len(labels) > 12 else label,
                  "tick", **{"text-anchor": "middle"})
    _text(root, (_LEFT + width - _RIGHT) / 2, height - 8, x_label, "axis-label",
          **{"text-anchor": "middle"})
    _text(root, 14, _TOP + plot_h / 2, y_label, "axis-label",
          **{"text-anchor": "middle", "transform": f"rotate(-90 14 {_TOP + plot_h / 2:.1f})"})
    if len(series) > 1:
        for k, s in enumerate(series):
            legend = ET.SubElement(root, "g", {"class": "legend"})
            ET.SubElement(legend, "rect", {"x": str(_LEFT + 8 + k * 130), "y": str(_TOP - 12),
                                           "width": "10", "height": "10", "class": s.css})
            _text(legend, _LEFT + 22 + k * 130, _TOP - 3, s.name, "tick")
    return _markup(root)


def heat_map(title: str, rows: Sequence[str], columns: Sequence[str],
             counts: dict[tuple[str, str], int], x_label: str, y_label: str) -> Markup:
    """A cell per (row, column) with a count; darker for more. Topics over years."""
    label_w, cell = 200, 30
    width = label_w + len(columns) * cell + _RIGHT
    height = _TOP + len(rows) * cell + _BOTTOM
    top = max(counts.values(), default=1)
    root = _svg(width, height, title)
    for j, column in enumerate(columns):
        _text(root, label_w + j * cell + cell / 2, _TOP + len(rows) * cell + 16,
              column[-2:] if len(columns) > 12 else column, "tick",
              **{"text-anchor": "middle"})
    for i, row in enumerate(rows):
        _text(root, label_w - 6, _TOP + i * cell + cell / 2 + 4,
              row if len(row) <= 30 else row[:29] + "…", "tick", **{"text-anchor": "end"})
        for j, column in enumerate(columns):
            n = counts.get((row, column), 0)
            if not n:
                continue
            rect = ET.SubElement(root, "rect", {
                "x": str(label_w + j * cell + 1), "y": str(_TOP + i * cell + 1),
                "width": str(cell - 2), "height": str(cell - 2), "class": "mark cell",
                "fill-opacity": f"{0.25 + 0.75 * n / top:.2f}", "data-value": str(n)})
            ET.SubElement(rect, "title").text = f"{row}, {column}: {n}"
    _text(root, label_w + len(columns) * cell / 2, height - 8, x_label, "axis-label",
          **{"text-anchor": "middle"})
    _text(root, 4, 12, y_label, "axis-label")
    return _markup(root)


def network(title: str, centre: str, others: Sequence[tuple[str, str | None, int]]) -> Markup:
    """The person in the middle, each co-author on a circle around her, joined by a line as
    thick as their shared papers; every node links to its page."""
    width, height, radius = 720, 440, 190  # wide: the names stand left and right
    middle, centre_y = width / 2, height / 2
    top = max((n for _, _, n in others), default=1)
    root = _svg(width, height, title)
    edges = ET.SubElement(root, "g", {"class": "edges"})
    nodes = ET.SubElement(root, "g", {"class": "nodes"})
    for k, (name, href, shared) in enumerate(others):
        angle = 2 * math.pi * k / max(1, len(others)) - math.pi / 2
        x, y = middle + radius * math.cos(angle), centre_y + radius * math.sin(angle)
        ET.SubElement(edges, "line", {"x1": f"{middle:.1f}", "y1": f"{centre_y:.1f}",
                                      "x2": f"{x:.1f}", "y2": f"{y:.1f}", "class": "edge",
                                      "stroke-width": f"{1 + 5 * shared / top:.1f}"})
        holder = ET.SubElement(nodes, "a", {"href": href}) if href else nodes
        node = ET.SubElement(holder, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}",
                                                "r": f"{4 + 6 * shared / top:.1f}",
                                                "class": "mark node", "data-value": str(shared)})
        ET.SubElement(node, "title").text = f"{name}: {shared} shared"
        cos = math.cos(angle)
        if abs(cos) < 0.1:  # at the top or the bottom: the name above or below its node
            dx, dy, anchor = 0.0, (-12.0 if y < centre_y else 20.0), "middle"
        else:
            dx, dy, anchor = (12.0, 4.0, "start") if cos > 0 else (-12.0, 4.0, "end")
        _text(holder, x + dx, y + dy, name, "tick", **{"text-anchor": anchor})
    ET.SubElement(nodes, "circle", {"cx": str(middle), "cy": str(centre_y), "r": "12",
                                    "class": "centre"})
    _text(nodes, middle, centre_y - 18, centre, "axis-label", **{"text-anchor": "middle"})
    return _markup(root)


def json_ld(triples: Sequence[Triple], base: str) -> Markup:
    """The triples as JSON-LD compacted with our published @context (`/context.jsonld`, which
    maps short keys to schema.org terms), safe inside `<script type="application/ld+json">`:
    `<`, `>` and `&` are written as JSON escapes, so no value can close the element."""
    graph = Graph()
    for triple in triples:
        graph.add(triple_to_rdflib(triple))
    document = json.loads(graph.serialize(format="json-ld", context=context(base),
                                          auto_compact=True, use_native_types=True))
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    return Markup(text.translate(_SAFE_JSON))  # escaped above
