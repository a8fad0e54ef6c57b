"""The charts: the kelurahan choropleth drawn from the real boundaries, one shape per
kelurahan with the fill class of its value; bars without inline style."""

import re
from decimal import Decimal

import pytest

from bangkit.models import Kelurahan
from dashboards import charts


def test_choropleth_has_one_shape_per_kelurahan_with_its_class(regions):
    kelurahan = list(Kelurahan.objects.all())
    assert len(kelurahan) == 68 and all(k.boundary for k in kelurahan)
    # Values 0 … 67: equal classes of width 67/5 = 13.4 from zero.
    values = {k.pk: i for i, k in enumerate(kelurahan)}
    drawn = charts.choropleth(kelurahan, values, kind="count", label="Uji")
    svg = str(drawn["svg"])
    shapes = re.findall(r'<path class="kel (q\d)" data-kelurahan="(\d+)"', svg)
    assert len(shapes) == 68
    assert len({pk for _, pk in shapes}) == 68
    got = {int(pk): css for css, pk in shapes}
    for i, k in enumerate(kelurahan):
        if i == 0:
            expected = "q0"
        else:
            expected = (
                f"q{min(5, int((Decimal(i) * 5 / 67).to_integral_value(rounding='ROUND_CEILING')))}"
            )
        assert got[k.pk] == expected, (k.name, i)
    assert "style=" not in svg and "<script" not in svg
    assert [css for css, _ in drawn["legend"]] == ["q0", "q1", "q2", "q3", "q4", "q5"]


def test_choropleth_without_values_is_all_q0_and_leaves_out_unbounded_regions(regions):
    kelurahan = list(Kelurahan.objects.all()[:5])
    kelurahan[0].boundary = None
    drawn = charts.choropleth(kelurahan, {}, kind="money", label="Uji")
    classes = re.findall(r'<path class="kel (q\d)"', str(drawn["svg"]))
    assert classes == ["q0"] * 4


def test_the_pdf_palette_paints_with_attributes_not_style(regions):
    kelurahan = list(Kelurahan.objects.all()[:3])
    drawn = charts.choropleth(
        kelurahan,
        {kelurahan[0].pk: 5},
        kind="count",
        label="Uji",
        palette={f"q{i}": "#000" for i in range(6)},
    )
    assert str(drawn["svg"]).count('fill="#000"') == 3


def test_fill_classes_at_their_bounds():
    bounds = charts.classes_for([0, 10, 50])
    assert bounds == [10, 20, 30, 40, 50]
    assert charts.fill_class(None, bounds) == "q0"
    assert charts.fill_class(0, bounds) == "q0"
    assert charts.fill_class(10, bounds) == "q1"
    assert charts.fill_class(11, bounds) == "q2"
    assert charts.fill_class(50, bounds) == "q5"


def test_bars_escape_their_labels():
    svg = str(charts.bars([("<b>Usulan</b>", 3), ("Selesai", 1)]))
    assert "&lt;b&gt;Usulan&lt;/b&gt;" in svg
    assert svg.count('class="bar bar-') == 2
    assert "style=" not in svg


def test_drawn_regions_keeps_the_paths_until_a_boundary_changes(regions, django_assert_num_queries):
    charts._PATHS.clear()
    queryset = Kelurahan.objects.all()
    with django_assert_num_queries(2):  # the digests, then the boundaries once
        first, paths = charts.drawn_regions(queryset)
    assert len(first) == 68 and set(paths) == {r.pk for r in first}
    expected = charts.choropleth(list(queryset), {}, kind="count", label="Uji")["svg"]
    assert charts.choropleth(first, {}, kind="count", label="Uji", paths=paths)["svg"] == expected
    with django_assert_num_queries(1):  # the digests only: the paths come from memory
        again, same = charts.drawn_regions(queryset)
    assert same is paths and again == first
    moved = Kelurahan.objects.order_by("pk").first()
    ring = [[lon + 0.01, lat] for lon, lat in moved.boundary["coordinates"][0]]
    moved.boundary = {"type": "Polygon", "coordinates": [ring]}
    moved.save(update_fields=["boundary"])
    with django_assert_num_queries(2):  # a changed boundary draws afresh
        _, redrawn = charts.drawn_regions(queryset)
    assert redrawn[moved.pk] != paths[moved.pk]


def test_bars_fit_a_phone_with_every_value_inside_the_chart():
    """360 units wide, each label above its bar: the longest bar leaves room for its value."""
    svg = str(charts.bars([("Usulan Musrenbang", 60_000), ("Selesai", 6_000)]))
    assert 'viewBox="0 0 360 ' in svg
    values = re.findall(r'<text class="chart-value" x="([0-9.]+)"[^>]*>([^<]+)</text>', svg)
    assert [text for _, text in values] == ["60.000", "6.000"]
    for x, text in values:
        assert float(x) + charts._text_width(text) <= 360


def test_columns_show_the_axis_and_thin_the_year_labels():
    years = list(range(2006, 2026))  # twenty years: not every one can be labelled
    svg = str(charts.columns(years, [("Terikat", [8_000_000_000] * 20)]))
    ticks = re.findall(r'class="chart-label chart-tick"[^>]*>([^<]+)</text>', svg)
    assert ticks == ["Rp 10.000.000.000", "Rp 5.000.000.000"]  # a round top above the largest
    labelled = [int(y) for y in re.findall(r'text-anchor="middle">(\d{4})</text>', svg)]
    assert labelled[-1] == 2025 and len(labelled) < 20
    assert 'fill="' not in svg and "style=" not in svg  # colours are the page's classes
    few = str(charts.columns([2024, 2025], [("Terikat", [1, 2])], kind="count"))
    assert re.findall(r'text-anchor="middle">(\d{4})</text>', few) == ["2024", "2025"]


def test_printed_columns_carry_their_colours_and_sizes():
    """A PDF has no page stylesheet for an inline SVG."""
    svg = str(charts.columns([2025], [("Terikat", [5]), ("Swadaya", [2])], printed=True))
    assert f'fill="{charts.SERIES_COLOURS[0]}"' in svg
    assert f'fill="{charts.SERIES_COLOURS[1]}"' in svg
    assert 'font-size="11"' in svg and 'stroke="#cfd8dc"' in svg


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (7, 10), (8_356_617_000, 10_000_000_000), (2.1, 2.5), (40, 50)]
)
def test_nice_ceiling(value, top):
    assert charts.nice_ceiling(value) == top
