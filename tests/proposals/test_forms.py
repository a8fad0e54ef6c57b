"""Forms of the proposal screens: Indonesian numbers, the RAB formset, uploads, decisions."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from PIL import Image

from bangkit.money import RupiahInput, parse_rupiah
from proposals.forms import (
    AttachmentForm,
    DecisionForm,
    EntryProposalForm,
    ProposalForm,
    RABFormSet,
    format_decimal,
    line_total,
    parse_decimal,
)
from proposals.models import MusrenbangEntry, Proposal
from proposals.services import RABInput
from tests import factories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.000.000", 25_000_000),
        ("25000000", 25_000_000),
        ("Rp 25.000.000", 25_000_000),
        ("Rp. 25.000.000,-", 25_000_000),
        ("25.000.000,00", 25_000_000),
        (" 1 500 000 ", 1_500_000),
        ("0", 0),
        ("", None),
    ],
)
def test_rupiah_accepts_what_people_type(text, expected):
    assert parse_rupiah(text) == expected


@pytest.mark.parametrize("text", ["25,5", "1.5", "25.00.000", "dua juta", "-5000", "1,5 juta"])
def test_rupiah_refuses_anything_else_in_indonesian(text):
    with pytest.raises(ValidationError) as exc:
        parse_rupiah(text)
    assert "Masukkan jumlah rupiah" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        ("1.234,5", Decimal("1234.5")),
        ("100", Decimal("100")),
        (",5", Decimal("0.5")),
        ("-1.612345", Decimal("-1.612345")),
        ("", None),
    ],
)
def test_decimals_accept_a_comma_or_a_dot(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1,2,3", "12,5 m", "1.234.5", "abc", "1.23,4"])
def test_decimals_refuse_garbage(text):
    with pytest.raises(ValidationError):
        parse_decimal(text)


def test_numbers_are_shown_the_indonesian_way():
    assert RupiahInput().format_value(25_000_000) == "25.000.000"
    assert RupiahInput().format_value("25.000.000") == "25.000.000"  # typed text kept as is
    assert format_decimal(Decimal("12.50")) == "12,5"
    assert format_decimal(Decimal("100.00")) == "100"
    assert format_decimal(Decimal("-1.612300"), decimal_mark=".") == "-1.6123"


def test_line_total_rounds_half_up_like_the_model():
    assert line_total(Decimal("0.5"), 3) == 2
    assert line_total(Decimal("12.5"), 250_000) == 3_125_000
    assert line_total(Decimal("0.01"), 49) == 0


def rab_data(*rows, total=None):
    data = {
        "rab-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "rab-INITIAL_FORMS": "0",
        "rab-MIN_NUM_FORMS": "0",
        "rab-MAX_NUM_FORMS": "150",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rab-{i}-{key}"] = value
    return data


def test_rab_formset_gives_the_service_its_lines_and_skips_blank_and_deleted_rows():
    formset = RABFormSet(
        rab_data(
            {"material": "Semen", "unit": "sak", "quantity": "100", "unit_price": "75.000"},
            {"material": "", "unit": "", "quantity": "", "unit_price": ""},
            {"material": "Pasir", "unit": "m³", "quantity": "2", "unit_price": "1", "DELETE": "on"},
            {"material": " Besi ", "unit": "btg", "quantity": "12,5", "unit_price": "65000"},
        ),
        prefix="rab",
    )

    assert formset.is_valid(), formset.errors
    assert formset.rab_inputs() == [
        RABInput("Semen", "sak", Decimal("100"), 75_000),
        RABInput("Besi", "btg", Decimal("12.5"), 65_000),
    ]
    assert formset.total() == 7_500_000 + 812_500


def test_rab_formset_names_what_a_row_is_missing():
    formset = RABFormSet(
        rab_data({"material": "Semen", "unit": "", "quantity": "0", "unit_price": ""}),
        prefix="rab",
    )

    assert not formset.is_valid()
    errors = formset.forms[0].errors
    assert errors["unit"] == ["Isi satuan, mis. sak, m³, batang."]
    assert errors["quantity"] == ["Jumlah harus lebih dari 0."]
    assert errors["unit_price"] == ["Isi harga satuan."]


def test_absurd_amounts_are_refused_before_they_reach_the_database():
    formset = RABFormSet(
        rab_data(
            {"material": "Emas", "unit": "kg", "quantity": "9999999999", "unit_price": "999999999"},
            {"material": "Intan", "unit": "kg", "quantity": "1", "unit_price": "9" * 19},
        ),
        prefix="rab",
    )

    assert not formset.is_valid()
    assert "terlalu besar" in formset.forms[0].non_field_errors()[0]
    assert "unit_price" in formset.forms[1].errors


def test_a_deleted_row_is_not_validated():
    formset = RABFormSet(
        rab_data(
            {"material": "Semen", "unit": "", "quantity": "", "unit_price": "", "DELETE": "1"}
        ),
        prefix="rab",
    )

    assert formset.is_valid()
    assert formset.rab_inputs() == []


def test_rab_formset_caps_the_number_of_lines():
    rows = [
        {"material": f"M{i}", "unit": "sak", "quantity": "1", "unit_price": "1000"}
        for i in range(101)
    ]
    formset = RABFormSet(rab_data(*rows), prefix="rab")

    assert not formset.is_valid()
    assert "paling banyak 100 baris" in formset.non_form_errors()[0]


@pytest.fixture
def draft(db):
    factories.WorkTypeFactory()
    fy = factories.FiscalYearFactory()
    rt = factories.RTFactory()
    return Proposal.objects.create(
        fiscal_year=fy,
        rt=rt,
        kelurahan=rt.kelurahan,
        title="Rabat beton",
        work_type=fy.work_types.get(code="rabat-beton"),
        location_description="Gang Kenanga",
        planned_volume=Decimal("10"),
        planned_width=Decimal("1"),
    )


def proposal_data(draft, **overrides):
    data = {
        "title": "Rabat beton gang Kenanga",
        "work_type": str(draft.work_type_id),
        "location_description": "Gang Kenanga",
        "latitude": "",
        "longitude": "",
        "planned_volume": "100",
        "planned_width": "1,2",
        "households_benefiting": "30",
        "people_benefiting": "120",
        "contribution_labour_people": "25",
        "contribution_cash": "2.000.000",
        "contribution_materials": "",
        "contribution_materials_value": "0",
    }
    data.update(overrides)
    return data


def test_proposal_form_offers_the_years_work_types_with_unit_and_width_hints(draft):
    draft.fiscal_year.work_types.remove(*draft.fiscal_year.work_types.exclude(code="drainase"))
    draft.fiscal_year.work_types.add(draft.work_type)
    form = ProposalForm(instance=draft, fiscal_year=draft.fiscal_year)

    html = str(form["work_type"])

    assert set(form.fields["work_type"].queryset.values_list("code", flat=True)) == {
        "drainase",
        "rabat-beton",
    }
    assert 'data-has-width="1"' in html
    assert 'data-has-width="0"' in html
    assert 'data-unit="m"' in html


def test_proposal_form_keeps_the_current_work_type_even_when_no_longer_funded(draft):
    draft.fiscal_year.work_types.remove(draft.work_type)

    form = ProposalForm(proposal_data(draft), instance=draft, fiscal_year=draft.fiscal_year)

    assert form.is_valid(), form.errors


def test_proposal_form_runs_the_models_rules_without_touching_the_proposal(draft):
    import copy

    form = ProposalForm(
        proposal_data(draft, planned_width="", title="Judul baru"),
        instance=copy.copy(draft),
        fiscal_year=draft.fiscal_year,
    )

    assert not form.is_valid()
    assert form.errors["planned_width"] == ["Jenis kegiatan ini memerlukan lebar (m)."]
    assert draft.title == "Rabat beton"


def test_proposal_form_service_data_has_typed_values(draft):
    form = ProposalForm(
        proposal_data(draft, latitude="-1,61", longitude="103,61"),
        instance=draft,
        fiscal_year=draft.fiscal_year,
    )

    assert form.is_valid(), form.errors
    data = form.service_data()
    assert data["contribution_cash"] == 2_000_000
    assert data["planned_width"] == Decimal("1.2")
    assert data["latitude"] == Decimal("-1.61")
    assert data["work_type"] == draft.work_type
    assert "state" not in data


def test_a_point_outside_jambi_is_explained(draft):
    form = ProposalForm(
        proposal_data(draft, latitude="-6.2", longitude="106.8"),
        instance=draft,
        fiscal_year=draft.fiscal_year,
    )

    assert not form.is_valid()
    assert "di luar Kota Jambi" in form.errors["latitude"][0]


def png(name="foto.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def files_data(*uploads):
    data = QueryDict(mutable=True)
    data.setlist("files", list(uploads))
    return data


def test_attachment_form_checks_every_file_by_its_content():
    form = AttachmentForm(
        {"kind": "proposal_letter"},
        files_data(png(), SimpleUploadedFile("surat.pdf", b"bukan pdf", "application/pdf")),
    )

    assert not form.is_valid()
    assert form.errors["files"] == [
        "Berkas 'surat.pdf' bukan HEIC, JPEG, PDF, PNG, WebP yang sah "
        "(isi berkas diperiksa, bukan namanya)."
    ]


def test_attachment_form_accepts_several_files():
    form = AttachmentForm({"kind": "site_photo"}, files_data(png("a.png"), png("b.png")))

    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["files"]] == ["a.png", "b.png"]


def test_attachment_form_requires_a_file_and_a_known_kind():
    empty = AttachmentForm({"kind": "site_photo"}, files_data())
    unknown = AttachmentForm({"kind": "ktp"}, files_data(png()))

    assert empty.errors["files"] == ["Pilih paling sedikit satu berkas."]
    assert "kind" in unknown.errors


def test_site_photos_must_be_images():
    pdf = SimpleUploadedFile("lokasi.pdf", factories.pdf_bytes(), "application/pdf")
    form = AttachmentForm({"kind": "site_photo"}, files_data(pdf))

    assert not form.is_valid()
    assert "harus berupa gambar" in form.errors["files"][0]


@pytest.mark.django_db
def test_entry_form_asks_for_what_the_entry_lacks():
    width_type = factories.WorkTypeFactory()
    kel = factories.KelurahanFactory()
    no_type = MusrenbangEntry(year=2026, source_id="A", kelurahan=kel, title="x")
    with_width = MusrenbangEntry(
        year=2026, source_id="B", kelurahan=kel, title="y", work_type=width_type
    )
    queryset = type(width_type).objects.all()

    missing_type = EntryProposalForm({}, entry=no_type, work_types=queryset)
    missing_width = EntryProposalForm({}, entry=with_width, work_types=queryset)
    complete = EntryProposalForm({"planned_width": "1,5"}, entry=with_width, work_types=queryset)

    assert missing_type.errors["work_type"] == ["Pilih jenis kegiatan."]
    assert missing_width.errors["planned_width"] == ["Jenis kegiatan ini memerlukan lebar (m)."]
    assert complete.is_valid()
    assert complete.service_fields() == {"planned_width": Decimal("1.5")}


def test_decision_form_reads_ticked_checklist_items():
    data = QueryDict(mutable=True)
    data.update({"action": "verify_kelurahan", "note": "ok", "expected_state": "submitted"})
    data.setlist("checklist", ["3", "7", "x"])
    form = DecisionForm(data)

    assert form.is_valid()
    assert form.checklist() == {3: True, 7: True}
