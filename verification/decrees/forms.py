"""Forms of the decree screens: they parse input; the services decide."""

from django import forms
from django.core.exceptions import ValidationError

from bangkit.params import plain_int
from bangkit.rules import MIN_REASON
from bangkit.widgets import DateInput
from verification.decrees.services import DRAFT_FIELDS
from verification.models import Amendment, Decree


class ProposalChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # Ids are checked before any query: twenty digits overflow SQLite's integers.
        for pk in value:
            if plain_int(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:30]},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj):
        from bangkit.templatetags.rupiah import rupiah

        return (
            f"{obj.code} · {obj.rt.label} {obj.kelurahan.name} · {obj.work_type.name} · "
            f"{rupiah(obj.rab_total)}"
        )


class DecreeCreateForm(forms.Form):
    proposals = ProposalChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Lokasi yang ditetapkan",
        error_messages={"required": "Pilih paling sedikit satu lokasi."},
    )
    signatory_rank = forms.CharField(
        label="Pangkat/golongan penanda tangan",
        required=False,
        max_length=100,
        help_text="Misalnya: Pembina Tingkat I (IV/b).",
    )

    def __init__(self, *args, eligible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = eligible


class DecreeDraftForm(forms.ModelForm):
    clauses_text = forms.CharField(
        label="Diktum",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            "Satu diktum per baris; KESATU, KEDUA … diberikan otomatis. "
            "{count} dan {total} diisi dari lampiran saat dicetak."
        ),
    )
    proposals = ProposalChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Lokasi dalam lampiran",
        error_messages={"required": "Pilih paling sedikit satu lokasi."},
    )

    class Meta:
        model = Decree
        # What the service lets a draft change; the clauses come from clauses_text, one a line.
        fields = [name for name in DRAFT_FIELDS if name != "clauses"]
        widgets = {
            "menimbang": forms.Textarea(attrs={"rows": 6}),
            "mengingat": forms.Textarea(attrs={"rows": 8}),
            "tembusan": forms.Textarea(attrs={"rows": 6}),
            "decree_date": DateInput(),
        }
        help_texts = {
            "menimbang": "Satu butir per baris (a, b, c … diberikan otomatis).",
            "mengingat": "Satu butir per baris (1, 2, 3 … diberikan otomatis).",
            "tembusan": "Satu penerima per baris.",
            "decree_date": "Kosongkan untuk memakai tanggal saat SK ditetapkan.",
        }

    def __init__(self, *args, eligible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = eligible
        if not self.is_bound:
            self.initial["clauses_text"] = "\n".join(self.instance.clauses)
            self.initial["proposals"] = list(
                self.instance.locations.values_list("proposal_id", flat=True)
            )

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["clauses"] = self.cleaned_data["clauses_text"]
        return data


class DecreeAmendForm(forms.Form):
    reason = forms.CharField(
        label="Alasan perubahan SK",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_REASON,
        help_text="Dicantumkan dalam konsiderans SK perubahan dan terlihat oleh publik.",
    )


class SiteAmendForm(forms.Form):
    field = forms.ChoiceField(label="Yang diubah", choices=Amendment.Field.choices)
    new_value = forms.CharField(
        label="Menjadi",
        max_length=300,
        help_text="Lokasi: uraian baru. Volume: angka (85,5). Anggaran: rupiah (45000000).",
    )
    reason = forms.CharField(
        label="Alasan", widget=forms.Textarea(attrs={"rows": 3}), min_length=MIN_REASON
    )
