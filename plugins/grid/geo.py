"""Plane geometry for grid boundaries: GeoJSON polygons in WGS-84 (lon, lat), point-in-polygon,
distances on the sphere and the SVG projection of the grid map. No GIS library: grids are a few
hundred small polygons, and this keeps SQLite and PostgreSQL alike."""
from __future__ import annotations

import json
import math

from flask_babel import gettext as _

EARTH_M = 6_371_008.8
MAX_VERTICES = 500


class BadBoundary(ValueError):
    """The text is not a usable grid boundary; the message says why, in Chinese."""


def parse_polygon(value) -> dict:
    """A GeoJSON Polygon (or a Feature holding one) as ``{"type": "Polygon", "coordinates": …}``,
    rings closed, coordinates rounded to 7 places (about 1 cm)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise BadBoundary(_("边界不是有效的 GeoJSON")) from exc
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise BadBoundary(_("边界应为 GeoJSON 多边形（Polygon）"))
    rings = value.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise BadBoundary(_("多边形没有坐标"))
    out, total = [], 0
    for ring in rings:
        if not isinstance(ring, list):
            raise BadBoundary(_("多边形坐标格式不正确"))
        points = [_position(p) for p in ring]
        if points and points[0] != points[-1]:
            points.append(points[0])
        if len(set(points)) < 3:
            raise BadBoundary(_("多边形至少需要 3 个不同的顶点"))
        if abs(ring_area(points)) < 1e-12:
            raise BadBoundary(_("多边形面积为零"))
        total += len(points)
        out.append([list(p) for p in points])
    if total > MAX_VERTICES:
        raise BadBoundary(_("顶点过多（最多 %(n)s 个）", n=MAX_VERTICES))
    return {"type": "Polygon", "coordinates": out}


def _position(p) -> tuple[float, float]:
    if not isinstance(p, list) or len(p) < 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                        for v in p[:2]):
        raise BadBoundary(_("坐标应为 [经度, 纬度]"))
    lon, lat = float(p[0]), float(p[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
        raise BadBoundary(_("坐标超出范围：经度 -180 到 180，纬度 -90 到 90"))
    return round(lon, 7), round(lat, 7)


def ring_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def bbox(polygon: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the outer ring."""
    xs = [p[0] for p in polygon["coordinates"][0]]
    ys = [p[1] for p in polygon["coordinates"][0]]
    return min(xs), min(ys), max(xs), max(ys)


def _in_ring(lon: float, lat: float, ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def contains(polygon: dict, lon: float, lat: float) -> bool:
    """Inside the outer ring and outside every hole (ray casting)."""
    outer, *holes = polygon["coordinates"]
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a square holding the circle: the indexed pre-filter."""
    dlat = math.degrees(radius_m / EARTH_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                 [west, south]]]}


class Projection:
    """Lon/lat to SVG user units: equirectangular, scaled by cos(latitude), north up, fitted to ``width``."""

    def __init__(self, boxes, width: int = 1000, pad: int = 10):
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
        self.kx = math.cos(math.radians((south + north) / 2))
        span = max((east - west) * self.kx, north - south, 1e-9)
        self.scale = (width - 2 * pad) / span
        self.west, self.north, self.pad = west, north, pad
        self.width = width
        self.height = int((north - south) * self.scale + 2 * pad) + 1

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.kx * self.scale + self.pad, 1),
                round((self.north - lat) * self.scale + self.pad, 1))

    def points(self, ring) -> str:
        return " ".join("%s,%s" % self.xy(lon, lat) for lon, lat in ring[:-1])

    def path(self, polygon: dict) -> str:
        """An SVG path with every ring, so holes cut out (fill-rule evenodd)."""
        return " ".join(f"M{self.points(ring).replace(' ', ' L')} Z" for ring in polygon["coordinates"])
