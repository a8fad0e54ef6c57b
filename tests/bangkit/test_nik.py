"""A NIK is a Kota Jambi resident's 16 digits: region, birth date, serial; kept as a keyed hash."""

import csv
import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from bangkit.nik import KOTA_JAMBI_KECAMATAN, nik_hash, nik_last4, nik_prefix, validate_nik

MALE = "1571011203850001"  # Telanaipura, born 12 March 1985
FEMALE = "1571085203850002"  # Jelutung, born 12 March 1985 (day 12 + 40)
TODAY = datetime.date(2026, 3, 1)


def refusal(value, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_nik(value, **kwargs)
    message = " ".join(caught.value.messages)
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) >= 8:
        assert digits not in message
        assert digits not in repr(caught.value)
    return message


def test_a_male_nik_gives_kecamatan_and_birth_date():
    info = validate_nik(MALE)

    assert info.kecamatan_code == "15.71.01"
    assert info.kecamatan_name == "Telanaipura"
    assert info.birth_date == datetime.date(1985, 3, 12)
    assert info.female is False
    assert info.last4 == "0001"


def test_a_female_nik_has_forty_added_to_the_day():
    info = validate_nik(FEMALE)

    assert info.kecamatan_code == "15.71.08"
    assert info.birth_date == datetime.date(1985, 3, 12)
    assert info.female is True


def test_a_nik_tells_the_kecamatan_it_was_issued_in():
    assert validate_nik(MALE).issued_in("15.71.01")
    assert not validate_nik(MALE).issued_in("15.71.08")
    assert validate_nik(FEMALE).issued_in("15.71.08")


def test_a_kecamatan_code_gives_the_first_six_nik_digits():
    assert nik_prefix("15.71.02") == "157102"
    assert MALE.startswith(nik_prefix(validate_nik(MALE).kecamatan_code))


def test_the_region_is_the_first_six_digits_and_nothing_more():
    assert validate_nik(MALE).region == nik_prefix("15.71.01") == MALE[:6]
    assert validate_nik("1571.08.520385.0002").region == "157108"
    assert MALE[6:] not in repr(validate_nik(MALE))


def test_a_womans_day_71_is_the_31st():
    assert validate_nik("1571017101900003").birth_date == datetime.date(1990, 1, 31)


def test_spaces_dots_and_dashes_are_ignored():
    assert validate_nik(" 1571 0112 0385 0001 ").last4 == "0001"
    assert validate_nik("1571.01.120385.0001").kecamatan_code == "15.71.01"
    assert validate_nik("1571-0112-0385-0001").birth_date == datetime.date(1985, 3, 12)


@pytest.mark.parametrize("value", ["157101120385000", "15710112038500011", "1571"])
def test_a_wrong_length_says_how_many_digits_were_given(value):
    assert refusal(value) == f"NIK harus 16 angka, Anda mengisi {len(value)}."


FULL_WIDTH = "".join(chr(ord(ch) + 0xFEE0) for ch in MALE)  # digits, but not ASCII ones


@pytest.mark.parametrize("value", ["15710112038500A1", "1571O11203850001", FULL_WIDTH])
def test_letters_and_other_scripts_are_refused(value):
    assert refusal(value) == "NIK hanya boleh berisi angka."


def test_an_empty_nik_is_refused():
    assert refusal("  ") == "NIK wajib diisi."


@pytest.mark.parametrize("value", ["3171011203850001", "1572011203850001", "1671011203850001"])
def test_a_nik_from_outside_kota_jambi_is_refused(value):
    assert "tidak terdaftar di Kota Jambi" in refusal(value)


@pytest.mark.parametrize("value", ["1571991203850001", "1571001203850001", "1571121203850001"])
def test_an_unknown_kecamatan_code_is_refused(value):
    assert "Kode kecamatan pada NIK" in refusal(value)


@pytest.mark.parametrize(
    "value",
    [
        "1571013102990001",  # 31 February
        "1571013002990001",  # 30 February
        "1571013104990001",  # 31 April
        "1571010003990001",  # day 0
        "1571014003990001",  # day 40: a woman's day 0
        "1571017203990001",  # woman's day 32
        "1571013203990001",  # day 32, not a woman's day either
        "1571011213990001",  # month 13
        "1571011200990001",  # month 0
    ],
)
def test_an_impossible_birth_date_is_refused(value):
    assert "Tanggal lahir pada NIK" in refusal(value)


def test_29_february_only_in_a_leap_year():
    assert "Tanggal lahir" in refusal("1571012902010001")  # 2001 and 1901: common years
    assert validate_nik("1571012902000001").birth_date == datetime.date(2000, 2, 29)
    assert validate_nik("1571016902960001").birth_date == datetime.date(1996, 2, 29)


def test_the_century_puts_the_birth_date_in_the_past():
    assert validate_nik("1571010101300001", today=TODAY).birth_date == datetime.date(1930, 1, 1)
    assert validate_nik("1571010101100001", today=TODAY).birth_date == datetime.date(2010, 1, 1)
    # Born "15 June 26" cannot be later this year: a 99-year-old then.
    assert validate_nik("1571011506260001", today=TODAY).birth_date == datetime.date(1926, 6, 15)
    assert validate_nik("1571010102260001", today=TODAY).birth_date == datetime.date(2026, 2, 1)


def test_serial_0000_is_refused():
    assert "tidak boleh 0000" in refusal("1571011203850000")


def test_the_nik_is_not_in_the_repr_of_its_info():
    info = validate_nik(MALE)

    assert MALE not in repr(info)
    assert MALE not in str(info)


def test_the_kecamatan_codes_are_those_of_the_regions_file():
    path = Path(__file__).resolve().parents[2] / "fixtures" / "jambi_wilayah.csv"
    with path.open(encoding="utf-8") as handle:
        in_file = {(row["kecamatan_code"], row["kecamatan"]) for row in csv.DictReader(handle)}

    assert {(f"15.71.{code}", name) for code, name in KOTA_JAMBI_KECAMATAN.items()} == in_file


def test_the_hash_is_hex_sha256_and_never_the_nik():
    digest = nik_hash(MALE)

    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest != MALE
    assert MALE not in digest
    assert nik_last4(MALE) == "0001"


def test_the_hash_ignores_spacing():
    assert nik_hash("1571 0112 0385 0001") == nik_hash(MALE)
    assert nik_hash(MALE) != nik_hash(FEMALE)


def test_the_hash_is_keyed(settings):
    settings.NIK_HASH_KEY = "key-one"
    first = nik_hash(MALE)
    settings.NIK_HASH_KEY = "key-two"
    second = nik_hash(MALE)

    assert first != second
    assert validate_nik(MALE).hash == second
