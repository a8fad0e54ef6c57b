"""Money in one place: whole rupiah read as people type them, refused clearly, shown grouped."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bangkit.money import RupiahField, line_total, number_text, parse_rupiah, rupiah, whole_rupiah


@pytest.mark.parametrize("junk", ["١٢٣", "²", "1.2.3", "Rp"])
def test_rupiah_field_refuses_other_digits_bad_grouping_and_a_bare_rp(junk):
    with pytest.raises(ValidationError) as refused:
        RupiahField().clean(junk)
    assert refused.value.messages == ["Masukkan jumlah rupiah tanpa sen, misalnya 25.000.000."]


def test_rupiah_field_messages_may_name_the_field_what_was_typed_and_the_maximum():
    field = RupiahField(
        label="Harga",
        max_value=1_000,
        error_messages={
            "invalid": "%(label)s: bukan rupiah (%(value)s).",
            "max_value": "%(label)s lebih dari %(limit)s.",
        },
    )

    assert field.clean("Rp 1.000,-") == 1_000
    with pytest.raises(ValidationError) as junk:
        field.clean("dua ribu")
    with pytest.raises(ValidationError) as too_big:
        field.clean("1.001")
    assert junk.value.messages == ["Harga: bukan rupiah (dua ribu)."]
    assert too_big.value.messages == ["Harga lebih dari Rp 1.000."]


def test_formats():
    assert parse_rupiah(" 1 500 000 ") == 1_500_000
    assert rupiah(-5000) == "-Rp 5.000"
    assert number_text("1234567.50") == "1.234.567,5"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(Decimal("2.5"), 3), (Decimal("2.49"), 2), (Decimal("-2.5"), -3), (7, 7), ("1234.5", 1235)],
)
def test_whole_rupiah_rounds_half_up(amount, expected):
    assert whole_rupiah(amount) == expected


def test_line_total_is_quantity_times_price_half_up():
    assert line_total(Decimal("0.5"), 3) == 2
    assert line_total(Decimal("12.5"), 250_000) == 3_125_000
    assert line_total("0.01", 49) == 0
