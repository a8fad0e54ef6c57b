"""bangkit.geo: point in polygon, distances, random points and SVG paths, on hand-made shapes
and on the real boundaries of Kota Jambi's 68 kelurahan."""

import random
import re

import pytest

from bangkit import geo
from bangkit.models import Kecamatan, Kelurahan

SQUARE = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]
HOLE = [[4.0, 4.0], [4.0, 6.0], [6.0, 6.0], [6.0, 4.0], [4.0, 4.0]]
DONUT = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
TWO_ISLANDS = {
    "type": "MultiPolygon",
    "coordinates": [
        [SQUARE],
        [[[20.0, 0.0], [30.0, 0.0], [30.0, 10.0], [20.0, 10.0], [20.0, 0.0]]],
    ],
}


# --- hand-made shapes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (1, 1, True),
        (9.9, 9.9, True),
        (5, 5, False),  # in the hole
        (5, 3.9, True),  # just beside the hole
        (5, 11, False),
        (-0.1, 5, False),
        (10, 5, False),  # the ray along the top edge is not a crossing
        (4, 2, True),  # the ray passes through the hole's corner (4, 4)
    ],
)
def test_point_in_polygon_with_a_hole(lat, lon, inside):
    assert geo.contains(DONUT, lat, lon) is inside


def test_point_in_multipolygon():
    assert geo.contains(TWO_ISLANDS, 5, 25)
    assert geo.contains(TWO_ISLANDS, 5, 5)
    assert not geo.contains(TWO_ISLANDS, 5, 15)  # the water between the islands


def test_winding_order_does_not_matter():
    clockwise = {"type": "Polygon", "coordinates": [SQUARE[::-1], HOLE[::-1]]}

    assert geo.contains(clockwise, 1, 1)
    assert not geo.contains(clockwise, 5, 5)
    assert geo.centroid(clockwise) == pytest.approx(geo.centroid(DONUT))


def test_other_geometries_are_refused():
    with pytest.raises(ValueError, match="bukan Polygon"):
        geo.contains({"type": "Point", "coordinates": [1, 1]}, 1, 1)


def test_centroid_and_bbox_of_a_donut():
    assert geo.bbox(DONUT) == (0, 0, 10, 10)
    assert geo.centroid(DONUT) == pytest.approx((5, 5))
    l_shape = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [10, 0], [10, 2], [2, 2], [2, 10], [0, 10], [0, 0]]],
    }
    lat, lon = geo.centroid(l_shape)
    assert not geo.contains(l_shape, lat, lon)  # the centre of mass of an L is outside it
    assert geo.contains(l_shape, *geo.representative_point(l_shape))


def test_representative_point_of_a_donut_avoids_the_hole():
    assert geo.contains(DONUT, *geo.representative_point(DONUT))


def test_distance_in_metres():
    # One degree of a great circle on the mean sphere: 2πR / 360.
    assert geo.distance_m(0, 0, 0, 1) == pytest.approx(111_195.08, abs=0.01)
    assert geo.distance_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)
    assert geo.distance_m(-1.6, 103.6, -1.6, 103.6) == 0
    # At Jambi's latitude a degree of longitude is cos(1.6°) as long.
    assert geo.distance_m(-1.6, 103.6, -1.6, 103.61) == pytest.approx(1111.5, abs=0.5)
    # The airport to the governor's office, about 7.3 km as the crow flies.
    assert geo.distance_m(-1.6380, 103.6442, -1.6136, 103.5829) == pytest.approx(7340, rel=0.01)


def test_random_points_fall_inside_and_spread():
    rng = random.Random(1)
    points = [geo.random_point(DONUT, rng) for _ in range(400)]

    assert all(geo.contains(DONUT, lat, lon) for lat, lon in points)
    quarters = {(lat > 5, lon > 5) for lat, lon in points}
    assert len(quarters) == 4


def test_random_point_is_the_same_for_the_same_seed():
    assert geo.random_point(DONUT, random.Random("x")) == geo.random_point(
        DONUT, random.Random("x")
    )


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (None, "tidak ada geometri"),
        ({"type": "Point", "coordinates": [103.6, -1.6]}, "bukan Polygon"),
        ({"type": "Polygon"}, "tanpa koordinat"),
        (
            {"type": "Polygon", "coordinates": [[[103.6, -1.6], [103.61, -1.6], [103.6, -1.6]]]},
            "paling sedikit 4 posisi",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[103.6, -1.6], [103.61, -1.6], [103.61, -1.61], [103.6, -1.61]]],
            },
            "tidak tertutup",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[-1.6, 103.6], [-1.6, 103.61], [-1.61, 103.61], [-1.6, 103.6]]],
            },
            "tertukar",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            "di luar Kota Jambi",
        ),
        (
            {"type": "Polygon", "coordinates": [[[103.6, "-1.6"], [103.61, -1.6], [1, 1], [1, 2]]]},
            "pasangan angka",
        ),
    ],
)
def test_geometry_problems_are_named(geometry, problem):
    problems = geo.geometry_problems(geometry)

    assert any(problem in p for p in problems), problems


def test_svg_paths_of_hand_made_shapes_fit_the_box():
    paths, projection = geo.svg_paths({"a": DONUT, "b": TWO_ISLANDS}, 300, 100)

    assert set(paths) == {"a", "b"}
    assert paths["a"].count("M") == 2  # the outer ring and the hole
    assert paths["b"].count("M") == 2  # two islands
    for x, y in _coordinates(" ".join(paths.values())):
        assert 0 <= x <= 300 and 0 <= y <= 100
    # North up: a higher latitude is drawn higher (smaller y).
    assert projection.xy(10, 0)[1] < projection.xy(0, 0)[1]


def _coordinates(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


# --- the real boundaries --------------------------------------------------------------------

# Places whose kelurahan is known, with where they are (from the map).
KNOWN_PLACES = [
    ("Bandara Sultan Thaha", -1.6380, 103.6442, "Paal Merah"),
    ("Kantor Gubernur Jambi, Telanaipura", -1.6136, 103.5829, "Telanaipura"),
    ("Menara Gentala Arasy, tepi Pasar Jambi", -1.5862, 103.6162, "Pasar Jambi"),
    ("Titik pusat Thehok", -1.632946, 103.626586, "Thehok"),
]
OUTSIDE_THE_CITY = [
    ("Candi Muaro Jambi (Kabupaten Muaro Jambi)", -1.4768, 103.6672),
    ("Kampus Universitas Jambi Mendalo (Kabupaten Muaro Jambi)", -1.6140, 103.5160),
    ("Laut di khatulistiwa", 0.0, 0.0),
]
# Its centre of mass lies outside it (a bent kelurahan); geo.representative_point is inside.
CENTROID_OUTSIDE = {"Paal Merah"}


@pytest.mark.parametrize(("place", "lat", "lon", "kelurahan"), KNOWN_PLACES)
def test_known_places_lie_in_their_kelurahan(regions, place, lat, lon, kelurahan):
    found = geo.kelurahan_containing(lat, lon)

    assert found is not None, place
    assert found.name == kelurahan, place
    assert Kelurahan.objects.get(name=kelurahan).contains(lat, lon)


@pytest.mark.parametrize(("place", "lat", "lon"), OUTSIDE_THE_CITY)
def test_places_outside_the_city_lie_in_no_kelurahan(regions, place, lat, lon):
    assert geo.kelurahan_containing(lat, lon) is None, place


def test_a_place_is_outside_the_neighbouring_kelurahan(regions):
    airport = (-1.6380, 103.6442)

    assert not Kelurahan.objects.get(name="Thehok").contains(*airport)
    assert Kelurahan.objects.get(name="Paal Merah").contains(*airport)


def test_every_kelurahan_and_kecamatan_has_its_boundary(regions):
    assert not Kelurahan.objects.filter(boundary__isnull=True).exists()
    assert not Kecamatan.objects.filter(boundary__isnull=True).exists()
    for kel in Kelurahan.objects.all():
        west, south, east, north = kel.bbox
        assert geo.CITY_WEST <= west < east <= geo.CITY_EAST, kel.name
        assert geo.CITY_SOUTH <= south < north <= geo.CITY_NORTH, kel.name
        assert south <= kel.centroid_lat <= north and west <= kel.centroid_lon <= east, kel.name


def test_the_centroid_of_every_kelurahan_but_paal_merah_falls_inside_it(regions):
    outside = {
        kel.name
        for kel in Kelurahan.objects.all()
        if not kel.contains(kel.centroid_lat, kel.centroid_lon)
    }

    assert outside == CENTROID_OUTSIDE


def test_the_representative_point_of_every_kelurahan_is_inside_it_and_no_other(regions):
    index = geo.BoundaryIndex.of_kelurahan()
    for kel in Kelurahan.objects.all():
        lat, lon = geo.representative_point(kel.boundary)
        assert kel.contains(lat, lon), kel.name
        assert index.containing(lat, lon) == kel, kel.name


def test_random_points_stay_in_their_kelurahan(regions):
    rng = random.Random("demo")
    for kel in Kelurahan.objects.all():
        for _ in range(5):
            assert kel.contains(*geo.random_point(kel.boundary, rng)), kel.name


def test_kelurahan_containing_takes_one_query(regions, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert geo.kelurahan_containing(-1.6380, 103.6442).name == "Paal Merah"


def test_a_kelurahan_without_a_stored_boundary_answers_none():
    assert Kelurahan(name="Baru").contains(-1.6, 103.6) is None


def test_the_city_is_68_paths_in_the_box(regions):
    index = geo.BoundaryIndex.of_kelurahan()

    paths, projection = index.svg_paths(800, 600, padding=10)

    assert len(paths) == 68
    assert set(paths) == set(Kelurahan.objects.values_list("pk", flat=True))
    xs, ys = [], []
    for d in paths.values():
        assert d.startswith("M") and d.endswith("Z")
        for x, y in _coordinates(d):
            xs.append(x)
            ys.append(y)
    assert min(xs) >= 10 - 0.05 and max(xs) <= 790 + 0.05
    assert min(ys) >= 10 - 0.05 and max(ys) <= 590 + 0.05
    # Fitted on one side at least, centred on the other.
    assert max(xs) - min(xs) == pytest.approx(780, abs=0.2) or max(ys) - min(ys) == (
        pytest.approx(580, abs=0.2)
    )
    # The city's shape is kept: 17 km wide and 16.5 km tall, drawn about as wide as tall.
    west, south, east, north = (
        min(k.bbox[0] for k in index.regions),
        min(k.bbox[1] for k in index.regions),
        max(k.bbox[2] for k in index.regions),
        max(k.bbox[3] for k in index.regions),
    )
    ground = geo.distance_m(south, west, south, east) / geo.distance_m(south, west, north, west)
    assert (max(xs) - min(xs)) / (max(ys) - min(ys)) == pytest.approx(ground, rel=0.01)
    # A marker lands inside the shape of its kelurahan's box on the drawing.
    kel = Kelurahan.objects.get(name="Paal Merah")
    x, y = projection.xy(-1.6380, 103.6442)
    box = _coordinates(paths[kel.pk])
    assert min(p[0] for p in box) <= x <= max(p[0] for p in box)
    assert min(p[1] for p in box) <= y <= max(p[1] for p in box)


def test_the_eleven_kecamatan_draw_as_eleven_paths(regions):
    paths, _ = geo.BoundaryIndex.of_kecamatan().svg_paths(400, 400)

    assert len(paths) == 11
