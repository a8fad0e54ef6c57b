"""The public form of a resident's usulan (/usul/): the place from the real lists, the wish,
an optional photo, the NIK (never rendered back) and an optional e-mail, with two traps for
scripts: a field people never see (honeypot) and a signed time the form was shown."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangkit.images import ClientImageForm
from bangkit.models import RT, Kelurahan, WorkType
from proposals.models import latitude_validators, longitude_validators
from proposals.public_forms import KelurahanChoiceField, NikField

STARTED_SALT = "usul-form-started"
# A person needs longer than this to fill the form; a script posts at once.
DEFAULT_MIN_SECONDS = 5
# A form left open longer than this is shown again (with its values) to be sent anew.
MAX_FORM_AGE = 6 * 3600


def started_token() -> str:
    return signing.dumps(int(time.time()), salt=STARTED_SALT)


def min_seconds() -> int:
    return int(getattr(settings, "USUL_MIN_SECONDS", DEFAULT_MIN_SECONDS))


def _map_coordinate(validators) -> forms.DecimalField:
    """A point's latitude or longitude, picked on the map: hidden, optional, within the city."""
    return forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        required=False,
        validators=validators,
        widget=forms.HiddenInput,
    )


class RTChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} · {obj.kelurahan.name}"


class UsulForm(ClientImageForm):
    kelurahan = KelurahanChoiceField(
        label=_("Kelurahan"),
        queryset=Kelurahan.objects.none(),
        to_field_name="slug",
        empty_label=_("— pilih kelurahan —"),
        error_messages={"required": _("Pilih kelurahan lokasi usulan.")},
    )
    rt = RTChoiceField(
        label=_("RT"),
        queryset=RT.objects.none(),
        empty_label=_("— pilih RT —"),
        error_messages={"required": _("Pilih RT lokasi usulan.")},
    )
    title = forms.CharField(
        label=_("Apa yang diusulkan"),
        max_length=200,
        help_text=_("Contoh: Rabat beton gang, saluran drainase, jembatan kecil."),
        error_messages={"required": _("Tuliskan apa yang diusulkan.")},
    )
    location_text = forms.CharField(
        label=_("Di mana"),
        max_length=300,
        help_text=_("Nama gang atau jalan dan patokan, misalnya 'Gg. Mawar depan musala'."),
        error_messages={"required": _("Tuliskan lokasinya.")},
    )
    problem = forms.CharField(
        label=_("Permasalahan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Apa yang terjadi sekarang, misalnya 'becek dan banjir setiap hujan'."),
        error_messages={"required": _("Ceritakan permasalahannya.")},
    )
    work_type = forms.ModelChoiceField(
        label=_("Jenis kegiatan (bila tahu)"),
        queryset=WorkType.objects.filter(active=True),
        required=False,
        empty_label=_("— tidak tahu —"),
    )
    # Set by the map on the page.
    latitude = _map_coordinate(latitude_validators)
    longitude = _map_coordinate(longitude_validators)
    photo = forms.FileField(
        label=_("Foto lokasi (boleh tidak ada)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("Foto besar diperkecil di ponsel sebelum dikirim."),
    )
    nik = NikField(
        label=_("NIK pengusul"),
        help_text=_(
            "16 angka pada KTP. NIK tidak disimpan dan tidak ditampilkan: kami hanya menyimpan "
            "sidik acak (hash) dan 4 angka terakhirnya."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail untuk kabar (boleh kosong)"),
        required=False,
        help_text=_(
            "Kami mengirim tautan konfirmasi lebih dulu, lalu satu e-mail saat kelurahan "
            "memutuskan usulan Anda. Alamat ini hanya dipakai untuk itu, lalu dihapus."
        ),
        error_messages={"invalid": _("Alamat e-mail tidak benar.")},
    )
    # Hidden from people by CSS; a script that fills every field fills this one too.
    website = forms.CharField(label=_("Situs web"), required=False, max_length=200)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, year: int | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        kelurahan = Kelurahan.objects.select_related("kecamatan").order_by("name")
        if year is not None:
            kelurahan = kelurahan.existing_in(year)
        self.fields["kelurahan"].queryset = kelurahan
        self.fields["rt"].queryset = (
            RT.objects.filter(active=True, kelurahan__in=kelurahan)
            .select_related("kelurahan")
            .order_by("kelurahan__name", "rw", "number")
        )
        if not self.is_bound:
            self.initial["started"] = started_token()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(
                _("Usulan tidak dapat diterima. Muat ulang halaman dan coba lagi.")
            )
        try:
            started = signing.loads(
                cleaned.get("started") or "", salt=STARTED_SALT, max_age=MAX_FORM_AGE
            )
        except signing.BadSignature:
            self.data = self.data.copy()
            self.data["started"] = started_token()
            raise ValidationError(
                _("Formulir ini sudah terlalu lama terbuka. Periksa isiannya lalu kirim lagi.")
            ) from None
        if time.time() - int(started) < min_seconds():
            raise ValidationError(
                _("Formulir terkirim terlalu cepat. Periksa isiannya lalu kirim lagi.")
            )
        kelurahan, rt = cleaned.get("kelurahan"), cleaned.get("rt")
        if kelurahan and rt and rt.kelurahan_id != kelurahan.pk:
            self.add_error(
                "rt",
                _("%(rt)s bukan RT di Kelurahan %(name)s.")
                % {"rt": rt.label, "name": kelurahan.name},
            )
        return cleaned

    def rt_options(self):
        """(kelurahan slug, RT id, label) for the page's script that narrows the RT list."""
        return [
            (rt.kelurahan.slug, str(rt.pk), f"{rt.label} · {rt.kelurahan.name}")
            for rt in self.fields["rt"].queryset
        ]
