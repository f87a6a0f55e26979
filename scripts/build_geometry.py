"""Build the dashboard's offline country geometry from Natural Earth, as packaged by npm `world-atlas`.

Why: the choropleth must work offline, so the geometry ships with the package instead of being fetched
at run time. Source: `world-atlas` 2.x (Mike Bostock, ISC licence), Natural Earth 1:110m Admin 0
countries (public domain). The TopoJSON arcs are decoded (delta-encoded, quantised — TopoJSON spec §2.1.3)
into GeoJSON rings, coordinates rounded to 0.1° (enough at 1:110m; keeps the file small), and each
feature is keyed by ISO 3166-1 alpha-3. Rings crossing the antimeridian are continued east of 180° and
Antarctica is left out, so that a flat (equirectangular) map draws no band across the world.
The key comes from the numeric id through pycountry; the three Natural Earth units without a numeric
code are keyed by name (NO_NUMERIC).

Disputed areas are drawn as Natural Earth draws them by default (its "de facto" Admin 0 view); this
script reports on which country polygon Crimea falls, and writes that into GEOMETRY.md so the map can
state it.

Usage:
    npm pack world-atlas && tar xzf world-atlas-*.tgz     # gives ./package/countries-110m.json
    python scripts/build_geometry.py package/countries-110m.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "src" / "sco_observatory" / "web" / "static"
NO_NUMERIC = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}  # Natural Earth units without ISO numeric
CRIMEA = (34.1, 45.0)  # a point inside the peninsula (Simferopol area), lon/lat


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs: undo the delta encoding, then the quantisation transform."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    """Join arcs into one ring; a negative index ~i means arc i reversed; shared end points appear once."""
    out: list[tuple[float, float]] = []
    for i in indices:
        points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(points if not out else points[1:])
    if out and max(p[0] for p in out) - min(p[0] for p in out) > 180:
        # a ring crossing the antimeridian (Russia's Chukotka, Fiji): continue it east of 180° so a flat map
        # does not draw a band across the world; the part beyond 180° falls outside the map's frame
        out = [(lon + 360 if lon < 0 else lon, lat) for lon, lat in out]
    rounded: list[list[float]] = []
    for lon, lat in out:
        p = [round(lon, 1), round(lat, 1)]
        if not rounded or rounded[-1] != p:
            rounded.append(p)
    return rounded


def inside(point: tuple[float, float], polygon: list[list[list[float]]]) -> bool:
    """Even-odd rule over all rings of one polygon (outer ring and holes)."""
    x, y = point
    hit = False
    for r in polygon:
        for (x1, y1), (x2, y2) in zip(r, r[1:] + r[:1]):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                hit = not hit
    return hit


def build(source: Path) -> tuple[dict, str]:
    import pycountry

    topo = json.loads(source.read_text("utf-8"))
    arcs = decode_arcs(topo)
    features = []
    crimea = "no polygon"
    for g in topo["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        code = g.get("id")
        if code is not None:
            country = pycountry.countries.get(numeric=str(code).zfill(3))
            iso3 = country.alpha_3 if country else None
        else:
            iso3 = NO_NUMERIC.get(name)
        if iso3 == "ATA":
            continue  # Antarctica: outside the map's frame (84°N-58°S) and of no status
        if iso3 is None:
            raise SystemExit(f"no ISO3 code for Natural Earth unit {name!r} (id {code}); extend NO_NUMERIC")
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        coords = [[ring(r, arcs) for r in poly] for poly in polys]
        coords = [[r for r in poly if len(r) >= 4] for poly in coords]
        coords = [poly for poly in coords if poly]
        if any(inside(CRIMEA, poly) for poly in coords):
            crimea = f"{name} ({iso3})"
        features.append({"type": "Feature", "id": iso3, "properties": {"name": name},
                         "geometry": {"type": "MultiPolygon", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}, crimea


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topojson", type=Path, help="countries-110m.json from the world-atlas npm package")
    ap.add_argument("--version", default="2.0.2", help="world-atlas version the file comes from")
    args = ap.parse_args()
    collection, crimea = build(args.topojson)
    out = STATIC / "countries-110m.geojson"
    out.write_text(json.dumps(collection, separators=(",", ":")), "utf-8")
    (STATIC / "GEOMETRY.md").write_text(
        "# Country geometry of the dashboard map\n\n"
        f"`countries-110m.geojson` is built by `scripts/build_geometry.py` from `countries-110m.json` of the npm package "
        f"`world-atlas` {args.version} (Copyright 2013-2019 Michael Bostock, ISC licence), a TopoJSON redistribution of "
        "Natural Earth's 1:110m Admin 0 countries, version 4.1.0 (public domain; \"Made with Natural Earth\", "
        "https://www.naturalearthdata.com/). Coordinates are rounded to 0.1°; features are keyed by ISO 3166-1 alpha-3.\n\n"
        "Disputed areas follow Natural Earth's default (de facto) Admin 0 view, unchanged. "
        f"In this file Crimea lies inside the polygon of {crimea}. "
        "The map states this convention in its caption; it implies no position on any dispute.\n", "utf-8")
    print(f"{out}: {len(collection['features'])} countries, {out.stat().st_size // 1024} KiB; Crimea drawn in {crimea}")


if __name__ == "__main__":
    main()
