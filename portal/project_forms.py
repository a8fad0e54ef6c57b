"""The filter of the public list of sites: a GET form whose choices come from rows already read,
so validating it costs no query; a value not in the list is named in Indonesian and ignored."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.projects import STAGES

ALL_YEARS = "semua"
FIELDS = ("tahun", "kecamatan", "kelurahan", "jenis", "tahap")


def _filter_choice(label, invalid_choice) -> forms.ChoiceField:
    """An optional filter picked from a list, with the message for a value not in it."""
    return forms.ChoiceField(
        label=label, required=False, error_messages={"invalid_choice": invalid_choice}
    )


class ProjectFilterForm(forms.Form):
    tahun = _filter_choice(_("Tahun"), _("Tahun “%(value)s” tidak ada. Pilih tahun dari daftar."))
    kecamatan = _filter_choice(
        _("Kecamatan"), _("Kecamatan “%(value)s” tidak dikenal. Pilih dari daftar.")
    )
    # Checked against every kelurahan; the list shown narrows to the chosen kecamatan.
    kelurahan = forms.CharField(label=_("Kelurahan"), required=False, widget=forms.Select)
    jenis = _filter_choice(
        _("Jenis kegiatan"), _("Jenis kegiatan “%(value)s” tidak dikenal. Pilih dari daftar.")
    )
    tahap = _filter_choice(_("Tahap"), _("Tahap “%(value)s” tidak dikenal. Pilih dari daftar."))

    def __init__(self, data, *, options: dict):
        super().__init__(data, label_suffix="")
        self.options = options
        self._kecamatan = {k.slug: k for k in options["kecamatan"]}
        self._kelurahan = {k.slug: k for k in options["kelurahan"]}
        self._work_types = {w.code: w for w in options["work_types"]}
        years = [str(y) for y in options["years"]]
        self.fields["tahun"].choices = [(ALL_YEARS, _("Semua tahun")), *((y, y) for y in years)]
        self.fields["kecamatan"].choices = [
            ("", _("Semua kecamatan")),
            *((k.slug, k.name) for k in options["kecamatan"]),
        ]
        chosen_kecamatan = (data or {}).get("kecamatan") or ""
        kelurahan = options["kelurahan"]
        if chosen_kecamatan in self._kecamatan:
            # Without script the kelurahan list narrows once a kecamatan is sent.
            kelurahan = [k for k in kelurahan if k.kecamatan.slug == chosen_kecamatan]
        self.fields["kelurahan"].widget.choices = [
            ("", _("Semua kelurahan")),
            *((k.slug, f"{k.name} ({k.kecamatan.name})") for k in kelurahan),
        ]
        self.fields["jenis"].choices = [
            ("", _("Semua jenis")),
            *((w.code, w.name) for w in options["work_types"]),
        ]
        self.fields["tahap"].choices = [
            ("", _("Semua tahap")),
            *((key, label) for key, (label, _states) in STAGES.items()),
        ]

    def clean_kelurahan(self):
        value = self.cleaned_data.get("kelurahan", "")
        if value and value not in self._kelurahan:
            raise forms.ValidationError(
                _("Kelurahan “%(value)s” tidak dikenal. Pilih dari daftar."),
                params={"value": value},
            )
        return value

    def filters(self, default_year: int | None) -> dict:
        """The valid values as filters; an invalid one is left out (and shown as an error)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name, "") for name in FIELDS}
        year = data["tahun"]
        if "tahun" in self.errors or not year:
            year_value = default_year
        elif year == ALL_YEARS:
            year_value = None
        else:
            year_value = int(year)
        return {
            "year": year_value,
            "kecamatan": self._kecamatan.get(data["kecamatan"]),
            "kelurahan": self._kelurahan.get(data["kelurahan"]),
            "work_type": self._work_types.get(data["jenis"]),
            "stage": data["tahap"] if data["tahap"] in STAGES else "",
        }

    def problems(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors]
