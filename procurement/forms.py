"""Forms of the procurement screens: they parse and check shapes; services decide."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils import timezone

from bangkit.money import RupiahField, group_thousands
from bangkit.params import plain_int
from bangkit.rules import MIN_REASON
from bangkit.widgets import DateInput
from procurement.models import Material, Unit
from procurement.services import (
    MAX_LINE_QUANTITY,
    MAX_ORDER_LINES,
    MAX_ORDER_TOTAL,
    MAX_UNIT_PRICE,
    NOT_IN_RAB,
)

NEARNESS_LABEL = {0: "kelurahan sama", 1: "kecamatan sama", 2: "luar kecamatan"}


class MoneyField(RupiahField):
    """Rupiah as typed (75.000, Rp 75.000,00), at most `max_value`; the messages name the field."""

    widget = forms.TextInput(attrs={"inputmode": "numeric"})
    default_error_messages = {
        "invalid": "%(label)s: bukan jumlah rupiah yang sah (%(value)s).",
        "max_value": "%(label)s terlalu besar (maks %(limit)s).",
    }


class SupplierField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        where = NEARNESS_LABEL.get(getattr(obj, "nearness", 2), "")
        mark = "★ " if getattr(obj, "nearness", 2) < 2 else ""
        return f"{mark}{obj.name} — Kel. {obj.kelurahan.name} ({where})"


def supplier_field(suppliers, **kwargs) -> SupplierField:
    return SupplierField(
        queryset=suppliers,
        label="Toko bangunan",
        empty_label=None,
        help_text="★ toko di kelurahan atau kecamatan yang sama didahulukan; toko di luar "
        "kecamatan memerlukan alasan.",
        **kwargs,
    )


class NewOrderForm(forms.Form):
    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"] = supplier_field(suppliers)


class OrderForm(forms.Form):
    supplier_reason = forms.CharField(
        label="Alasan memilih toko di luar kecamatan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    delivery_address = forms.CharField(label="Alamat pengiriman", max_length=300, required=False)
    note = forms.CharField(
        label="Catatan", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"supplier": supplier_field(suppliers), **self.fields}


class OrderLineForm(forms.Form):
    material = forms.ModelChoiceField(
        queryset=Material.objects.filter(active=True),
        required=False,
        label="Material katalog",
        empty_label="— di luar katalog —",
        error_messages={"invalid_choice": "Material katalog tidak dikenal: pilih dari daftar."},
    )
    description = forms.CharField(
        label="Uraian",
        max_length=150,
        required=False,
        error_messages={"max_length": "Uraian paling banyak %(limit_value)d huruf."},
    )
    unit = forms.ChoiceField(
        label="Satuan",
        choices=[("", "—")] + Unit.choices,
        required=False,
        error_messages={"invalid_choice": "Satuan tidak dikenal: pilih dari daftar."},
    )
    # No max_digits: the maximum says more than a count of digits (and fits the column).
    quantity = forms.DecimalField(
        label="Jumlah",
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_LINE_QUANTITY,
        required=False,
        error_messages={
            "invalid": "Jumlah harus berupa angka, misalnya 12.5.",
            "min_value": "Jumlah harus lebih dari 0.",
            "max_value": f"Jumlah terlalu besar (maks {group_thousands(MAX_LINE_QUANTITY)}).",
            "max_decimal_places": "Jumlah paling banyak dua angka di belakang koma.",
        },
    )
    unit_price = MoneyField(label="Harga satuan", max_value=MAX_UNIT_PRICE, required=False)
    justification = forms.CharField(
        label="Alasan harga / material", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Read as text: a tampered id is said to be outside the RAB, on the line, not lost unseen
    # as an error of a hidden field.
    rab_line_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, rab_line_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The ids of the order's own RAB lines (None: not checked here; the service checks).
        self.rab_line_ids = rab_line_ids

    def clean(self):
        data = super().clean()
        text = (data.get("rab_line_id") or "").strip()
        data["rab_line_id"] = plain_int(text) if text else None
        if data.get("DELETE"):
            return data
        if text and (
            data["rab_line_id"] is None
            or (self.rab_line_ids is not None and data["rab_line_id"] not in self.rab_line_ids)
        ):
            self.add_error(None, NOT_IN_RAB[0].upper() + NOT_IN_RAB[1:] + ".")
        if not self.has_changed():
            return data
        if not data.get("material") and not (data.get("description") or "").strip():
            self.add_error("description", "Pilih material katalog atau tulis uraiannya.")
        if not data.get("material") and not data.get("unit"):
            self.add_error("unit", "Pilih satuan.")
        if not data.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", "Isi jumlah.")
        if not data.get("unit_price") and "unit_price" not in self.errors:
            self.add_error("unit_price", "Isi harga satuan.")
        return data


class BaseOrderLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": (
            "Data baris pesanan tidak lengkap. Muat ulang halaman, lalu isi kembali."
        ),
        "too_many_forms": "Pesanan paling banyak %(num)d baris material.",
    }


OrderLineFormSet = formset_factory(
    OrderLineForm,
    formset=BaseOrderLineFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_ORDER_LINES,
    validate_max=True,
    absolute_max=MAX_ORDER_LINES,
)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Alasan pembatalan", min_length=MIN_REASON, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label="Tanggal diterima", widget=DateInput())
    received_by_name = forms.CharField(label="Diterima oleh (nama)", max_length=100)
    photo = forms.FileField(
        label="Foto material di lokasi",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    note = forms.CharField(
        label="Catatan", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("delivered_on", timezone.localdate())
        self.lines = lines
        for line in lines:
            for name, what in (("accepted", "diterima baik"), ("rejected", "ditolak/rusak")):
                self.fields[f"{name}_{line.pk}"] = forms.DecimalField(
                    label=f"{line.description} {what} ({line.unit})",
                    min_value=0,
                    max_digits=12,
                    decimal_places=2,
                    required=False,
                )

    def quantities(self) -> dict:
        data = self.cleaned_data
        return {
            line.pk: (
                data.get(f"accepted_{line.pk}") or Decimal("0"),
                data.get(f"rejected_{line.pk}") or Decimal("0"),
            )
            for line in self.lines
        }

    def line_rows(self):
        return [
            (line, self[f"accepted_{line.pk}"], self[f"rejected_{line.pk}"]) for line in self.lines
        ]


class HandoverForm(forms.Form):
    handover_date = forms.DateField(label="Tanggal serah terima", widget=DateInput())
    place = forms.CharField(label="Tempat", max_length=200)
    first_party_name = forms.CharField(label="Pihak pertama: nama", max_length=100)
    first_party_position = forms.CharField(label="Pihak pertama: jabatan", max_length=150)
    first_party_nip = forms.CharField(label="Pihak pertama: NIP", max_length=18, required=False)
    second_party_name = forms.CharField(label="Pihak kedua (Ketua RT): nama", max_length=100)
    second_party_position = forms.CharField(label="Pihak kedua: jabatan", max_length=150)
    condition_note = forms.CharField(
        label="Keterangan kondisi", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signed_on_paper = forms.BooleanField(
        label="Sudah ditandatangani kedua pihak di atas kertas (lampirkan pindaian)",
        required=False,
    )
    paper_scan = forms.FileField(label="Pindaian BAST bertanda tangan", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The BAST is recorded when it is signed, like a delivery on the day it arrives.
        today = timezone.localdate()
        self.initial.setdefault("handover_date", today)
        self.fields["handover_date"].widget.attrs["max"] = today.isoformat()


class PaymentForm(forms.Form):
    invoice_number = forms.CharField(label="Nomor faktur / kuitansi", max_length=60)
    amount = MoneyField(label="Jumlah dibayar", max_value=MAX_ORDER_TOTAL)
    paid_on = forms.DateField(label="Tanggal bayar", widget=DateInput())
    reference = forms.CharField(label="Referensi pembayaran (SP2D / transfer)", max_length=100)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if not amount:
            raise ValidationError("Jumlah harus lebih dari nol.")
        return amount


class ReferencePriceImportForm(forms.Form):
    file = forms.FileField(label="Berkas CSV/XLSX")
    year = forms.IntegerField(label="Tahun anggaran", min_value=2014, max_value=2100)
    dry_run = forms.BooleanField(label="Uji coba saja (tidak disimpan)", required=False)
    skip_invalid = forms.BooleanField(
        label="Impor baris yang sah, lewati yang tidak sah", required=False
    )
