"""A resident of the city supports a Musrenbang entry once, with a NIK never stored whole."""

import pytest
from django.db import connection

from bangkit.errors import ActionRefused
from bangkit.models import AuditEvent, FiscalYear, Kelurahan
from bangkit.nik import nik_hash
from proposals import support as support_module
from proposals.models import CitizenSupport, MusrenbangEntry
from proposals.support import entry_support

TELANAIPURA_NIK = "1571011203850001"  # registered in Telanaipura (15.71.01)
TELANAIPURA_NIK_2 = "1571015507920014"  # a woman, also Telanaipura
JAMBI_SELATAN_NIK = "1571021203850001"  # registered in Jambi Selatan (15.71.02)


def make_entry(source_id="M-1", *, year=2026, kelurahan="Simpang IV Sipin", **fields):
    return MusrenbangEntry.objects.create(
        year=year,
        source_id=source_id,
        kelurahan=Kelurahan.objects.get(name=kelurahan),
        title=fields.pop("title", "Rabat beton Lorong Damai"),
        proposer=fields.pop("proposer", "Hendra Gunawan"),
        **fields,
    )


@pytest.fixture
def entry(regions, fiscal_year):
    return make_entry()


def entry_fiscal_year(entry) -> FiscalYear:
    return FiscalYear.objects.get(year=entry.year)


def test_a_resident_supports_an_entry_of_their_kecamatan(entry):
    outcome = entry_support(entry=entry, nik=TELANAIPURA_NIK, ip="10.1.2.3")

    support = outcome.support
    assert outcome.created
    assert support.entry == entry
    assert support.nik_last4 == "0001"
    assert support.nik_hash == nik_hash(TELANAIPURA_NIK)
    assert MusrenbangEntry.objects.with_support_count().get(pk=entry.pk).support_count == 1
    event = AuditEvent.objects.get(action="citizen_support")
    assert event.actor is None
    assert event.object_id == str(entry.pk)
    assert "…0001" in event.summary
    assert "ip" not in event.data


def test_one_nik_supports_an_entry_once_and_a_repeat_is_not_an_error(entry):
    first = entry_support(entry=entry, nik=TELANAIPURA_NIK)

    again = entry_support(entry=entry, nik="1571 0112 0385 0001")

    # Not refused (a refusal would tell the page to answer differently), and counts nothing.
    assert again.created is False
    assert again.support == first.support
    assert CitizenSupport.objects.filter(entry=entry).count() == 1
    assert AuditEvent.objects.filter(action="citizen_support").count() == 1


def test_two_residents_support_the_same_entry(entry):
    entry_support(entry=entry, nik=TELANAIPURA_NIK)
    entry_support(entry=entry, nik=TELANAIPURA_NIK_2)

    assert CitizenSupport.objects.filter(entry=entry).count() == 2


def test_one_nik_supports_different_entries(entry):
    other = make_entry("M-2", kelurahan="Buluran Kenali")

    entry_support(entry=entry, nik=TELANAIPURA_NIK)
    entry_support(entry=other, nik=TELANAIPURA_NIK)

    assert CitizenSupport.objects.count() == 2


def test_the_default_rule_is_the_kecamatan_of_the_entry(entry):
    assert entry_fiscal_year(entry).support_residency == FiscalYear.SupportResidency.KECAMATAN


def test_under_the_kecamatan_rule_another_kecamatans_nik_is_refused(entry):
    with pytest.raises(ActionRefused) as refused:
        entry_support(entry=entry, nik=JAMBI_SELATAN_NIK)

    assert refused.value.message == (
        "Usulan ini hanya dapat didukung oleh warga yang NIK-nya terdaftar di Kecamatan "
        "Telanaipura (NIK diawali 157101). NIK yang Anda isi terdaftar di Kecamatan "
        "Jambi Selatan, sehingga dukungan tidak dicatat."
    )
    assert JAMBI_SELATAN_NIK not in str(refused.value)
    assert not CitizenSupport.objects.exists()
    assert not AuditEvent.objects.filter(action="citizen_support").exists()


def test_under_the_kecamatan_rule_each_kecamatan_takes_its_own_niks(regions, fiscal_year):
    thehok = make_entry("M-2", kelurahan="Thehok")  # Jambi Selatan

    assert entry_support(entry=thehok, nik=JAMBI_SELATAN_NIK).created
    with pytest.raises(ActionRefused):
        entry_support(entry=thehok, nik=TELANAIPURA_NIK)


def test_under_the_city_rule_another_kecamatans_nik_is_accepted(entry):
    FiscalYear.objects.filter(year=entry.year).update(
        support_residency=FiscalYear.SupportResidency.CITY
    )

    outcome = entry_support(entry=entry, nik=JAMBI_SELATAN_NIK)

    assert outcome.created
    assert outcome.support.nik_last4 == "0001"
    # Kept for the audit flag of support from another area.
    assert outcome.support.nik_region == "157102"


def test_the_city_rule_still_refuses_a_nik_of_another_city(entry):
    FiscalYear.objects.filter(year=entry.year).update(
        support_residency=FiscalYear.SupportResidency.CITY
    )

    with pytest.raises(ActionRefused) as refused:
        entry_support(entry=entry, nik="3171011203850001")  # Jakarta Pusat

    assert "tidak terdaftar di Kota Jambi" in refused.value.message
    assert not CitizenSupport.objects.exists()


def test_a_refusal_by_area_does_not_depend_on_earlier_supports(entry):
    # Supported under the city rule, then the year narrowed to the kecamatan rule: the
    # answer is the area refusal either way, so it says nothing about the earlier support.
    year = FiscalYear.objects.filter(year=entry.year)
    year.update(support_residency=FiscalYear.SupportResidency.CITY)
    entry_support(entry=entry, nik=JAMBI_SELATAN_NIK)
    year.update(support_residency=FiscalYear.SupportResidency.KECAMATAN)

    with pytest.raises(ActionRefused) as supported_before:
        entry_support(entry=entry, nik=JAMBI_SELATAN_NIK)
    with pytest.raises(ActionRefused) as never_supported:
        entry_support(entry=entry, nik="1571025507920014")

    assert supported_before.value.message == never_supported.value.message
    assert CitizenSupport.objects.count() == 1


def test_a_childs_nik_is_refused(entry):
    with pytest.raises(ActionRefused) as refused:
        entry_support(entry=entry, nik="1571011203150001")  # born 2015

    assert "17 tahun" in refused.value.message
    assert not CitizenSupport.objects.exists()


def test_an_invalid_nik_is_refused_without_repeating_it(entry):
    with pytest.raises(ActionRefused) as refused:
        entry_support(entry=entry, nik="1571013102990001")

    assert "Tanggal lahir pada NIK" in refused.value.message
    assert "1571013102990001" not in str(refused.value)
    assert not CitizenSupport.objects.exists()
    assert not AuditEvent.objects.filter(action="citizen_support").exists()


def test_an_entry_of_a_closed_year_cannot_be_supported(regions, fiscal_year):
    FiscalYear.objects.create(year=2025, status=FiscalYear.Status.CLOSED)
    old = make_entry("M-2025", year=2025)

    with pytest.raises(ActionRefused) as refused:
        entry_support(entry=old, nik=TELANAIPURA_NIK)

    assert "tahun 2025 tidak dibuka" in refused.value.message
    assert not CitizenSupport.objects.exists()


def test_an_entry_of_a_year_not_yet_open_cannot_be_supported(regions):
    FiscalYear.objects.create(year=2027, status=FiscalYear.Status.PLANNING)
    future = make_entry("M-2027", year=2027)

    with pytest.raises(ActionRefused):
        entry_support(entry=future, nik=TELANAIPURA_NIK)


def test_a_twin_request_caught_by_the_unique_constraint_counts_nothing(entry, monkeypatch):
    first = entry_support(entry=entry, nik=TELANAIPURA_NIK)
    # Two requests pass the look-up together; the second meets the database constraint.
    monkeypatch.setattr(support_module, "_existing", lambda entry, nik_hash: None)

    twin = entry_support(entry=entry, nik=TELANAIPURA_NIK)

    assert twin.created is False
    assert twin.support == first.support
    # The savepoint kept the surrounding transaction usable (PostgreSQL aborts it otherwise).
    assert CitizenSupport.objects.count() == 1
    assert AuditEvent.objects.filter(action="citizen_support").count() == 1


def test_only_the_hash_last_four_digits_and_region_are_stored(entry):
    support = entry_support(entry=entry, nik=TELANAIPURA_NIK, ip="10.1.2.3").support

    support.refresh_from_db()
    assert (support.nik_last4, support.nik_region) == ("0001", "157101")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CitizenSupport._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    for value in rows[0]:
        assert TELANAIPURA_NIK not in str(value)
        # Nothing between the region code and the last four digits (the birth date).
        assert TELANAIPURA_NIK[6:12] not in str(value)
    for event in AuditEvent.objects.all():
        for model_field in AuditEvent._meta.concrete_fields:
            assert TELANAIPURA_NIK not in str(getattr(event, model_field.attname))
        assert TELANAIPURA_NIK not in str(event.data)
        # Not even the keyed hash: the audit trail needs only the last four digits.
        assert nik_hash(TELANAIPURA_NIK) not in str(event.data)
