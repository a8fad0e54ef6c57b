"""Forms of the ranking screen (the Camat's decisions) and the envelope screen (Bappeda's split)."""

import re

from django import forms
from django.core.exceptions import ValidationError

from verification.priority_services import MIN_REASON


class RupiahField(forms.CharField):
    """Whole rupiah, typed the way people write them: 1.250.000.000, Rp 1 250 000 000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        cleaned = re.sub(r"^\s*rp\.?\s*", "", text, flags=re.IGNORECASE)
        cleaned = re.sub(r"[\s.]", "", cleaned)
        if re.fullmatch(r"\d+,0*", cleaned):
            cleaned = cleaned.split(",")[0]
        # isascii() too: "²" is a digit to isdigit(), and int("²") raises.
        if not (cleaned.isascii() and cleaned.isdigit()):
            raise ValidationError(
                "Tulis jumlah rupiah dengan angka saja, misalnya 850.000.000.", code="invalid"
            )
        if len(cleaned) > 15:
            raise ValidationError("Jumlah ini terlalu besar.", code="max_value")
        return int(cleaned)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return value


class OverrideForm(forms.Form):
    """The Camat puts a proposal in or out of the suggested set, or takes the decision back."""

    DECISIONS = [
        ("include", "Masukkan (wajib didanai)"),
        ("exclude", "Keluarkan dari pilihan"),
        ("withdraw", "Cabut keputusan sebelumnya"),
    ]

    proposal = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="Keputusan", choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Alasan",
        min_length=MIN_REASON,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Alasan ini tercatat dan dapat dibaca Bappeda serta Inspektorat.",
        error_messages={
            "required": f"Tuliskan alasan (paling sedikit {MIN_REASON} huruf).",
            "min_length": f"Alasan terlalu singkat: paling sedikit {MIN_REASON} huruf.",
        },
    )

    def __init__(self, *args, has_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_override:
            self.fields["decision"].choices = self.DECISIONS[:2]


class EnvelopeForm(forms.Form):
    """One envelope: a kecamatan's, or a kelurahan's share of it ("kec-<id>" / "kel-<id>")."""

    area = forms.ChoiceField(label="Wilayah")
    amount = RupiahField(label="Pagu (Rp)", help_text="Bilangan rupiah bulat.")
    note = forms.CharField(label="Keterangan", required=False, max_length=200)

    def __init__(self, *args, kecamatan_list=(), kelurahan_by_kecamatan=None, **kwargs):
        super().__init__(*args, **kwargs)
        kelurahan_by_kecamatan = kelurahan_by_kecamatan or {}
        self._kecamatan = {k.pk: k for k in kecamatan_list}
        self._kelurahan = {}
        choices = [("", "— pilih kecamatan atau kelurahan —")]
        for kec in kecamatan_list:
            group = [(f"kec-{kec.pk}", f"Kecamatan {kec.name} (seluruh kecamatan)")]
            for kel in kelurahan_by_kecamatan.get(kec.pk, []):
                self._kelurahan[kel.pk] = kel
                group.append((f"kel-{kel.pk}", f"Kelurahan {kel.name}"))
            choices.append((f"Kecamatan {kec.name}", group))
        self.fields["area"].choices = choices

    def clean_area(self):
        value = self.cleaned_data["area"]
        kind, _, pk = value.partition("-")
        if kind == "kec" and int(pk) in self._kecamatan:
            return self._kecamatan[int(pk)], None
        if kind == "kel" and int(pk) in self._kelurahan:
            kelurahan = self._kelurahan[int(pk)]
            return self._kecamatan[kelurahan.kecamatan_id], kelurahan
        raise ValidationError("Pilih kecamatan atau kelurahan dari daftar.")
