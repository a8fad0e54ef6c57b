"""Order forms: shapes and limits checked with a message naming the field, before any service."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procurement.forms import MoneyField, OrderLineForm, OrderLineFormSet
from procurement.services import MAX_ORDER_LINES


def line_form(rab_line_ids=None, **values):
    data = {"description": "Semen", "unit": "sak", "quantity": "10", "unit_price": "75.000"}
    data.update(values)
    return OrderLineForm(data, rab_line_ids=rab_line_ids)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("75000", 75_000), ("75.000", 75_000), ("Rp 75.000", 75_000), ("Rp75.000,00", 75_000)],
)
def test_money_field_reads_rupiah_as_typed(typed, amount):
    assert MoneyField(label="Harga satuan", max_value=1_000_000).clean(typed) == amount


@pytest.mark.parametrize("typed", ["1.000.001", "9" * 16, "9" * 10_240, "Rp " + "9" * 40])
def test_money_field_says_too_big_with_its_maximum(typed):
    with pytest.raises(ValidationError) as refused:
        MoneyField(label="Harga satuan", max_value=1_000_000).clean(typed)
    assert refused.value.messages == ["Harga satuan terlalu besar (maks Rp 1.000.000)."]


@pytest.mark.parametrize("typed", ["abc", "12,34,56", "²", "-5", "x" * 5000])
def test_money_field_reads_back_junk_cut_short(typed):
    with pytest.raises(ValidationError) as refused:
        MoneyField(label="Harga satuan", max_value=1_000_000).clean(typed)
    (message,) = refused.value.messages
    assert message.startswith("Harga satuan: bukan jumlah rupiah yang sah (")
    assert len(message) < 100


@pytest.mark.django_db
def test_line_form_takes_a_line_of_the_rab_and_reads_its_id():
    form = line_form(rab_line_ids={7}, rab_line_id=" 7 ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rab_line_id"] == 7
    assert form.cleaned_data["quantity"] == Decimal("10")


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["8", "-1", "9" * 20, "²", "abc"])
def test_line_form_refuses_an_id_outside_the_rab_on_the_line_itself(junk):
    form = line_form(rab_line_ids={7}, rab_line_id=junk)
    assert not form.is_valid()
    # A non-field error: shown on the line card (a hidden field's error would be unseen).
    assert form.non_field_errors() == ["Bahan tidak termasuk RAB usulan ini."]


@pytest.mark.django_db
def test_a_deleted_line_is_not_checked():
    formset = OrderLineFormSet(
        {
            "baris-TOTAL_FORMS": "1",
            "baris-INITIAL_FORMS": "1",
            "baris-0-rab_line_id": "abc",
            "baris-0-quantity": "9" * 40,
            "baris-0-DELETE": "on",
        },
        prefix="baris",
        form_kwargs={"rab_line_ids": {7}},
    )
    assert not formset.forms[0].non_field_errors()
    assert formset.is_valid(), formset.errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("9999999999.99", "Jumlah terlalu besar (maks 1.000.000)."),
        ("1e309", "Jumlah terlalu besar (maks 1.000.000)."),
        ("0", "Jumlah harus lebih dari 0."),
        ("1.005", "Jumlah paling banyak dua angka di belakang koma."),
        ("NaN", "Jumlah harus berupa angka, misalnya 12.5."),
    ],
)
def test_line_form_quantity_has_one_clear_message(quantity, message):
    form = line_form(quantity=quantity)
    assert not form.is_valid()
    assert form.errors["quantity"] == [message]


@pytest.mark.django_db
def test_formset_refuses_more_lines_than_an_order_holds():
    count = MAX_ORDER_LINES + 1
    data = {"baris-TOTAL_FORMS": str(count), "baris-INITIAL_FORMS": "0"}
    for i in range(count):
        data.update(
            {
                f"baris-{i}-description": f"Semen {i}",
                f"baris-{i}-unit": "sak",
                f"baris-{i}-quantity": "1",
                f"baris-{i}-unit_price": "75000",
            }
        )
    formset = OrderLineFormSet(data, prefix="baris")
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Pesanan paling banyak 100 baris material."]
