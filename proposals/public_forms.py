"""Forms of the public pages: no sign-in, Bahasa Indonesia, nothing personal echoed back."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from bangkit.models import Kecamatan, Kelurahan
from bangkit.nik import validate_nik


class NikInput(forms.TextInput):
    """A text box that never renders the NIK back into the page, even after an error."""

    def format_value(self, value):
        return None


class NikField(forms.CharField):
    """A resident's NIK, required and checked (16 digits, region code, birth date) with the
    reason in Indonesian; typed on a phone's number pad and never rendered back."""

    def __init__(self, *, label, help_text, **kwargs):
        super().__init__(
            label=label,
            help_text=help_text,
            max_length=32,
            error_messages={"required": _("NIK wajib diisi.")},
            widget=NikInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "1571…"}
            ),
            **kwargs,
        )

    @sensitive_variables("value")
    def clean(self, value):
        value = super().clean(value)
        try:
            validate_nik(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return value


class SupportForm(forms.Form):
    nik = NikField(
        label=_("NIK"),
        help_text=_(
            "16 angka pada KTP atau Kartu Keluarga. NIK tidak disimpan: kami hanya menyimpan "
            "sidik acak (hash) dan 4 angka terakhirnya agar satu NIK hanya mendukung sekali."
        ),
    )


class KelurahanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kecamatan.name})"


class SupportFilterForm(forms.Form):
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Kecamatan.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Semua kecamatan"),
    )
    kelurahan = KelurahanChoiceField(
        label=_("Kelurahan"),
        queryset=Kelurahan.objects.select_related("kecamatan"),
        to_field_name="slug",
        required=False,
        empty_label=_("Semua kelurahan"),
    )

    def __init__(self, *args, year: int | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        kelurahan = self.fields["kelurahan"].queryset
        if year is not None:
            kelurahan = kelurahan.existing_in(year)
        # Without JavaScript the kelurahan list narrows once a kecamatan is chosen and sent.
        chosen = self.data.get("kecamatan") if self.is_bound else None
        if chosen:
            kelurahan = kelurahan.filter(kecamatan__slug=chosen)
        self.fields["kelurahan"].queryset = kelurahan

    def filter(self, entries):
        """Entries narrowed by the valid choices; an invalid choice is ignored, not an error."""
        if not self.is_bound:
            return entries
        self.is_valid()
        if self.cleaned_data.get("kecamatan"):
            entries = entries.filter(kelurahan__kecamatan=self.cleaned_data["kecamatan"])
        if self.cleaned_data.get("kelurahan"):
            entries = entries.filter(kelurahan=self.cleaned_data["kelurahan"])
        return entries
