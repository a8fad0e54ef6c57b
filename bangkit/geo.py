"""Geometry of the city's boundaries: point in polygon, distances, random points, SVG paths.

Pure functions over GeoJSON geometries (WGS84, positions ``[longitude, latitude]``, Polygon or
MultiPolygon with holes), with no GIS library and no database extension, so SQLite works as
PostgreSQL does. Every function takes ``lat, lon`` in that order, as people say them; only the
GeoJSON positions are ``[lon, lat]``. At city scale (Kota Jambi is 17 km across, 1.6° south of
the equator) a plane with the longitude scaled by cos(latitude) is exact to well under a metre
for drawing and inside tests; distances use the haversine formula on a sphere.

The regions' polygons are stored on ``Kecamatan`` and ``Kelurahan`` by ``load_regions``;
``BoundaryIndex`` answers many point lookups over them, ``kelurahan_containing`` one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

# Kota Jambi with a margin (the same box the proposal's coordinates are validated against):
# a position outside it is a typo or a swapped [lat, lon].
CITY_SOUTH, CITY_NORTH = -1.72, -1.50
CITY_WEST, CITY_EAST = 103.50, 103.72

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)

# The credit every map drawn from the stored boundaries carries (fixtures/
# jambi_batas.ATTRIBUTION.md: where load_regions' default files come from, and their licence).
BOUNDARY_ATTRIBUTION = (
    "Batas wilayah: cahyadsn/wilayah_boundaries (Kepmendagri 300.2.2-2430/2025), lisensi MIT"
)

Ring = Sequence[Sequence[float]]


def polygons(geometry: Mapping) -> list[list[Ring]]:
    """The geometry's polygons, each a list of rings (outer ring first, then holes)."""
    kind = geometry.get("type") if isinstance(geometry, Mapping) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"geometri {kind!r} bukan Polygon atau MultiPolygon")


# --- point in polygon -----------------------------------------------------------------------


def _ring_crossings(ring: Ring, lat: float) -> Iterator[float]:
    """Longitudes where the parallel at ``lat`` crosses the ring's edges, in the ring's order.
    Each edge counts when it spans the latitude half-open (one end strictly above), so a
    parallel through a vertex crosses there once."""
    x1, y1 = ring[-1][0], ring[-1][1]
    for position in ring:
        x2, y2 = position[0], position[1]
        if (y1 > lat) != (y2 > lat):
            yield x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        x1, y1 = x2, y2


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting: a ray from the point towards the east crosses the ring an odd number of
    times when the point is inside."""
    return sum(1 for x_cross in _ring_crossings(ring, lat) if lon < x_cross) % 2 == 1


def _in_polygon(lon: float, lat: float, rings: list[Ring]) -> bool:
    if not rings or not _in_ring(lon, lat, rings[0]):
        return False
    return not any(_in_ring(lon, lat, hole) for hole in rings[1:])


def contains(geometry: Mapping, lat, lon) -> bool:
    """Whether the point lies inside the geometry (inside an outer ring, outside its holes)."""
    lat, lon = float(lat), float(lon)
    return any(_in_polygon(lon, lat, rings) for rings in polygons(geometry))


# --- measures -------------------------------------------------------------------------------


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres between two points (haversine)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox(geometry: Mapping) -> tuple[float, float, float, float]:
    """``(west, south, east, north)``, the GeoJSON bbox order."""
    lons, lats = [], []
    for rings in polygons(geometry):
        for position in rings[0] if rings else ():
            lons.append(position[0])
            lats.append(position[1])
    if not lons:
        raise ValueError("geometri tanpa titik")
    return (min(lons), min(lats), max(lons), max(lats))


def _ring_moments(ring: Ring) -> tuple[float, float, float]:
    """Signed area and first moments of a ring (shoelace), in degrees."""
    area = cx = cy = 0.0
    x1, y1 = ring[-1][0], ring[-1][1]
    for position in ring:
        x2, y2 = position[0], position[1]
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
        x1, y1 = x2, y2
    return area / 2, cx / 6, cy / 6


def area_m2(geometry: Mapping) -> float:
    """Area in square metres (holes subtracted), on the plane scaled at the geometry's
    latitude."""
    west, south, east, north = bbox(geometry)
    metres_per_degree = math.radians(EARTH_RADIUS_M)
    scale = metres_per_degree**2 * math.cos(math.radians((south + north) / 2))
    total = 0.0
    for rings in polygons(geometry):
        for index, ring in enumerate(rings):
            area = abs(_ring_moments(ring)[0])
            total += area if index == 0 else -area
    return total * scale


def centroid(geometry: Mapping) -> tuple[float, float]:
    """``(lat, lon)`` of the centre of mass (holes subtracted). It can lie outside a bent
    polygon: use ``representative_point`` for a point that is surely inside."""
    area = mx = my = 0.0
    for rings in polygons(geometry):
        for index, ring in enumerate(rings):
            a, cx, cy = _ring_moments(ring)
            # Whatever the ring's winding: the outer ring counts for, its holes against.
            sign = (1 if a >= 0 else -1) * (1 if index == 0 else -1)
            area += sign * a
            mx += sign * cx
            my += sign * cy
    if area == 0:
        west, south, east, north = bbox(geometry)
        return ((south + north) / 2, (west + east) / 2)
    return (my / area, mx / area)


def _crossings(rings: list[Ring], lat: float) -> list[float]:
    """Longitudes where the parallel at ``lat`` crosses the polygon's rings, sorted."""
    return sorted(x for ring in rings for x in _ring_crossings(ring, lat))


def representative_point(geometry: Mapping) -> tuple[float, float]:
    """``(lat, lon)`` surely inside the geometry: the middle of the widest stretch inside the
    largest polygon along the parallel through its centroid (or through a few other
    latitudes, when that parallel grazes a vertex)."""
    parts = polygons(geometry)
    rings = max(parts, key=lambda r: abs(_ring_moments(r[0])[0]) if r else 0)
    part = {"type": "Polygon", "coordinates": rings}
    west, south, east, north = bbox(part)
    c_lat = centroid(part)[0]
    best = None
    for lat in [c_lat] + [south + (north - south) * k / 8 for k in (4, 3, 5, 2, 6, 1, 7)]:
        xs = _crossings(rings, lat)
        for left, right in zip(xs[0::2], xs[1::2], strict=False):
            if best is None or right - left > best[0]:
                best = (right - left, lat, (left + right) / 2)
        if best is not None and best[0] > 0:
            return (best[1], best[2])
    return ((south + north) / 2, (west + east) / 2)


def random_point(
    geometry: Mapping, rng: random.Random | None = None, *, attempts: int = 500
) -> tuple[float, float]:
    """``(lat, lon)`` drawn uniformly inside the geometry (rejection sampling in its bbox);
    after ``attempts`` misses, the representative point."""
    rng = rng or random.Random()
    west, south, east, north = bbox(geometry)
    for _ in range(attempts):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        if contains(geometry, lat, lon):
            return (lat, lon)
    return representative_point(geometry)


# --- checking a geometry read from a file -----------------------------------------------------


def geometry_problems(geometry) -> list[str]:
    """What is wrong with a GeoJSON geometry meant as a region of the city, in Indonesian."""
    if not isinstance(geometry, Mapping):
        return ["tidak ada geometri"]
    try:
        parts = polygons(geometry)
    except (ValueError, KeyError, TypeError) as exc:
        return [str(exc) if isinstance(exc, ValueError) else "geometri tanpa koordinat"]
    problems: list[str] = []
    if not isinstance(parts, list) or not parts:
        return ["geometri tanpa poligon"]
    outside = swapped = 0
    for p, rings in enumerate(parts, start=1):
        where = f"poligon ke-{p}, " if len(parts) > 1 else ""
        if not isinstance(rings, list) or not rings:
            problems.append(f"{where}poligon tanpa cincin")
            continue
        for r, ring in enumerate(rings, start=1):
            label = f"{where}cincin ke-{r}" + (" (luar)" if r == 1 else " (lubang)")
            if not isinstance(ring, list) or not all(_is_position(pos) for pos in ring):
                problems.append(f"{label}: posisi harus pasangan angka [bujur, lintang]")
                continue
            if len(ring) < 4:
                problems.append(f"{label}: paling sedikit 4 posisi, ada {len(ring)}")
                continue
            if list(ring[0][:2]) != list(ring[-1][:2]):
                problems.append(f"{label}: tidak tertutup (posisi pertama ≠ terakhir)")
            for lon, lat in (pos[:2] for pos in ring):
                if not _in_city(lat, lon):
                    outside += 1
                    swapped += _in_city(lon, lat)
    if outside:
        if swapped == outside:
            problems.append(
                "posisi tertukar: GeoJSON menulis [bujur, lintang], berkas ini [lintang, bujur]"
            )
        else:
            problems.append(
                f"{outside} posisi di luar Kota Jambi (lintang {CITY_SOUTH}..{CITY_NORTH}, "
                f"bujur {CITY_WEST}..{CITY_EAST})"
            )
    return problems


def _is_position(value) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
        and all(math.isfinite(v) for v in value[:2])
    )


def _in_city(lat, lon) -> bool:
    return CITY_SOUTH <= lat <= CITY_NORTH and CITY_WEST <= lon <= CITY_EAST


def simplified(geometry: Mapping) -> dict:
    """The geometry as it is stored: Polygon or MultiPolygon, positions as [lon, lat] floats
    (a third coordinate, if any, dropped)."""
    coordinates = [
        [[[float(pos[0]), float(pos[1])] for pos in ring] for ring in rings]
        for rings in polygons(geometry)
    ]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


# --- drawing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection fitted to a box of ``width`` × ``height`` pixels: longitude
    scaled by the cosine of the middle latitude, north up, centred, aspect kept."""

    west: float
    north: float
    scale: float  # pixels per degree of latitude
    cos_lat: float
    offset_x: float
    offset_y: float

    @classmethod
    def fit(
        cls, geometries: Iterable[Mapping], width: float, height: float, padding: float = 0
    ) -> Projection:
        boxes = [bbox(g) for g in geometries]
        if not boxes:
            raise ValueError("tidak ada geometri untuk digambar")
        west = min(b[0] for b in boxes)
        south = min(b[1] for b in boxes)
        east = max(b[2] for b in boxes)
        north = max(b[3] for b in boxes)
        cos_lat = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * cos_lat, 1e-12)
        span_y = max(north - south, 1e-12)
        inner_w, inner_h = max(width - 2 * padding, 1), max(height - 2 * padding, 1)
        scale = min(inner_w / span_x, inner_h / span_y)
        return cls(
            west=west,
            north=north,
            scale=scale,
            cos_lat=cos_lat,
            offset_x=padding + (inner_w - span_x * scale) / 2,
            offset_y=padding + (inner_h - span_y * scale) / 2,
        )

    def xy(self, lat, lon) -> tuple[float, float]:
        """Pixel position of a point (x to the right, y down)."""
        x = self.offset_x + (float(lon) - self.west) * self.cos_lat * self.scale
        y = self.offset_y + (self.north - float(lat)) * self.scale
        return (x, y)

    def path(self, geometry: Mapping, precision: int = 1) -> str:
        """The ``d`` attribute of an SVG ``<path>`` for the geometry: one closed subpath per
        ring (draw with ``fill-rule: evenodd`` so holes stay empty)."""
        parts = []
        for rings in polygons(geometry):
            for ring in rings:
                points = [self.xy(pos[1], pos[0]) for pos in ring]
                if points and points[0] == points[-1]:
                    points = points[:-1]
                if not points:
                    continue
                coords = "L".join(f"{x:.{precision}f} {y:.{precision}f}" for x, y in points)
                parts.append(f"M{coords}Z")
        return "".join(parts)


def svg_paths(
    geometries: Mapping, width: float, height: float, padding: float = 0
) -> tuple[dict, Projection]:
    """``({key: d}, projection)`` for ``{key: geometry}``, all fitted together into the box;
    the projection places markers (``projection.xy(lat, lon)``) on the same drawing."""
    projection = Projection.fit(geometries.values(), width, height, padding)
    return {key: projection.path(g) for key, g in geometries.items()}, projection


# --- regions --------------------------------------------------------------------------------


class BoundaryIndex:
    """Regions with their polygons in memory, for many point lookups: build it once (one
    query) and reuse it, as an import or a list of flags does. Regions without a stored
    boundary are left out."""

    def __init__(self, regions: Iterable):
        self.regions = [r for r in regions if getattr(r, "boundary", None)]

    @classmethod
    def of_kelurahan(cls, queryset=None) -> BoundaryIndex:
        from bangkit.models import Kelurahan

        qs = queryset if queryset is not None else Kelurahan.objects.all()
        return cls(qs.exclude(boundary__isnull=True).select_related("kecamatan"))

    @classmethod
    def of_kecamatan(cls, queryset=None) -> BoundaryIndex:
        from bangkit.models import Kecamatan

        qs = queryset if queryset is not None else Kecamatan.objects.all()
        return cls(qs.exclude(boundary__isnull=True))

    def containing(self, lat, lon):
        """The first region whose polygon holds the point, or None (outside every one)."""
        lat, lon = float(lat), float(lon)
        for region in self.regions:
            west, south, east, north = region.bbox
            if (
                west <= lon <= east
                and south <= lat <= north
                and contains(region.boundary, lat, lon)
            ):
                return region
        return None

    def svg_paths(self, width: float, height: float, padding: float = 0):
        """``({region.pk: d}, projection)`` of every region in the index."""
        return svg_paths({r.pk: r.boundary for r in self.regions}, width, height, padding)


def kelurahan_containing(lat, lon):
    """The kelurahan whose boundary holds the point, or None. For many points build a
    ``BoundaryIndex.of_kelurahan()`` once instead."""
    return BoundaryIndex.of_kelurahan().containing(lat, lon)
