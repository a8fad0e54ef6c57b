"""The shop's NPWP: 15 digits with a Luhn check digit, or 16 digits since 2024."""

import pytest
from django.core.exceptions import ValidationError

from procurement.npwp import format_npwp, luhn_check_digit, validate_npwp


@pytest.mark.parametrize(
    "value",
    [
        "01.312.166.0-091.000",  # python-stdnum's example
        "02.183.241.5-000.000",  # Business::ID::NPWP's example
        "016090524017000",
        "0013121660091000",  # 16 digits: a 0 and the old number
        "1571014708850003",  # 16 digits: a NIK of Kota Jambi (woman born 7-8-1985)
        "3171011708450001",  # 16 digits: a NIK of Jakarta
    ],
)
def test_valid_npwp(value):
    validate_npwp(value)


@pytest.mark.parametrize(
    "value, code",
    [
        ("01.312.166.1-091.000", "check_digit"),  # wrong check digit
        ("0013121661091000", "check_digit"),
        ("01.312.16A.0-091.000", "not_digits"),  # a letter
        ("NPWP013121660091000", "not_digits"),
        ("01.312.166.0-091.00", "length"),  # 14 digits
        ("01312166009100012", "length"),  # 17 digits
        ("9971011708450001", "nik"),  # no province 99
        ("1571013213850003", "nik"),  # month 13
    ],
)
def test_invalid_npwp(value, code):
    with pytest.raises(ValidationError) as error:
        validate_npwp(value)
    assert error.value.code == code


def test_check_digit_is_the_luhn_digit_of_the_first_eight():
    assert luhn_check_digit("01312166") == "0"
    assert luhn_check_digit("02183241") == "5"


def test_format_npwp():
    assert format_npwp("013121660091000") == "01.312.166.0-091.000"
