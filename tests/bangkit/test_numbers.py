"""Quantities and money the Indonesian way, from the one helper every page, PDF, message and
admin list uses: "20 sak", "2,5 m³", "1.250,75 m", "Rp 26.432.521.000"."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from bangkit.templatetags.rupiah import angka, rupiah


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("20.00"), "20"),
        (Decimal("2.50"), "2,5"),
        (Decimal("0.5"), "0,5"),
        (Decimal("1250.75"), "1.250,75"),
        (Decimal("13160.00"), "13.160"),
        (Decimal("-1.70"), "-1,7"),
        (Decimal("2E+1"), "20"),
        (8, "8"),
        ("12.50", "12,5"),
        (None, "–"),
    ],
)
def test_a_quantity_drops_trailing_zeros_and_uses_the_decimal_comma(value, shown):
    assert angka(value) == shown


def test_the_template_filters_read_the_same():
    html = Template("{% load rupiah %}{{ q|angka }} sak · {{ v|angka }} m³ · {{ p|rupiah }}")
    text = html.render(Context({"q": Decimal("20.00"), "v": Decimal("2.50"), "p": 26432521000}))
    assert text == "20 sak · 2,5 m³ · Rp 26.432.521.000"
    assert rupiah("x") == "x"


def test_records_name_their_quantities_the_same_way():
    from bangkit.models import Kelurahan, SlumArea
    from proposals.models import RABLine

    line = RABLine(material="Semen Portland 50 kg", unit="sak", quantity=Decimal("160.00"))
    assert str(line) == "Semen Portland 50 kg 160 sak"
    area = SlumArea(
        kelurahan=Kelurahan(name="Sungai Putri"), hectares=Decimal("44.50"), decree_number="166"
    )
    assert str(area).startswith("Sungai Putri 44,5 ha")
