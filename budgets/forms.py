"""The envelope form: a kecamatan's envelope, or a kelurahan's share of it."""

from django import forms
from django.core.exceptions import ValidationError

from bangkit.money import RupiahField


class EnvelopeForm(forms.Form):
    """One envelope: a kecamatan's, or a kelurahan's share of it ("kec-<id>" / "kel-<id>")."""

    area = forms.ChoiceField(label="Wilayah")
    amount = RupiahField(
        label="Pagu (Rp)",
        help_text="Bilangan rupiah bulat.",
        error_messages={"invalid": "Tulis jumlah rupiah dengan angka saja, misalnya 850.000.000."},
    )
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
