"""Forms of the reporting screens: short, numeric-keyboard friendly, Indonesian number input."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangkit.images import ClientImageForm
from bangkit.money import RupiahField
from bangkit.widgets import DateInput
from proposals.forms import DecimalCommaField, MultipleFileField
from proposals.forms import MultipleFileInput as _MultipleFileInput
from reporting.models import SwadayaContribution, WorkDay

STAGE_CHOICES = [(0, "0%"), (25, "25%"), (50, "50%"), (75, "75%"), (100, "100%")]


class CountInput(forms.NumberInput):
    def __init__(self, attrs=None):
        defaults = {
            "inputmode": "numeric",
            "min": "0",
            "max": "999",
            "class": "count",
            "placeholder": "0",
        }
        super().__init__({**defaults, **(attrs or {})})


def _optional_amount(label, *, max_digits: int = 12, min_value=Decimal("0.01"), **kwargs):
    """An amount that may be left empty, typed the Indonesian way (12,5), to two decimals."""
    return DecimalCommaField(
        label=label,
        required=False,
        min_value=min_value,
        max_digits=max_digits,
        decimal_places=2,
        **kwargs,
    )


def _until_today(field, earliest=None) -> None:
    """A date field that starts at today and offers no later day (nor one before ``earliest``)."""
    today = timezone.localdate()
    field.initial = today
    field.widget.attrs["max"] = today.isoformat()
    if earliest is not None:
        field.widget.attrs["min"] = earliest.isoformat()


class WorkDayForm(forms.Form):
    date = forms.DateField(label=_("Tanggal"), widget=DateInput())
    session = forms.ChoiceField(
        label=_("Waktu"),
        choices=WorkDay.Session.choices,
        initial=WorkDay.Session.DAY,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "choice cols-2"}),
    )
    group = forms.CharField(
        label=_("Kelompok (boleh kosong)"),
        max_length=60,
        required=False,
        help_text=_("Isi bila dua kelompok bekerja pada waktu yang sama, mis. Kelompok B."),
        widget=forms.TextInput(attrs={"placeholder": "mis. Kelompok B, ibu-ibu PKK"}),
    )
    men = forms.IntegerField(
        label=_("Laki-laki"), min_value=0, max_value=999, required=False, widget=CountInput()
    )
    women = forms.IntegerField(
        label=_("Perempuan"), min_value=0, max_value=999, required=False, widget=CountInput()
    )
    hours = DecimalCommaField(
        label=_("Lama kerja (jam)"),
        initial=Decimal("8"),
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        max_digits=3,
        decimal_places=1,
    )
    activity = forms.CharField(
        label=_("Pekerjaan hari ini"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "mis. menggali dan memasang bekisting 20 m"}),
    )
    attendance = forms.FileField(
        label=_("Foto daftar hadir (boleh kosong)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, work_day: WorkDay | None = None, earliest=None, **kwargs):
        if work_day is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": work_day.date,
                    "session": work_day.session,
                    "group": work_day.group,
                    "men": work_day.men,
                    "women": work_day.women,
                    "hours": work_day.hours,
                    "activity": work_day.activity,
                },
            )
        super().__init__(*args, **kwargs)
        # The SK's own day (earliest) is the first day work may be recorded on.
        _until_today(self.fields["date"], earliest)
        if work_day is not None and work_day.attendance_photo:
            self.fields["attendance"].label = _("Ganti foto daftar hadir (boleh kosong)")

    def clean_session(self):
        return self.cleaned_data.get("session") or WorkDay.Session.DAY

    def service_fields(self) -> dict:
        data = self.cleaned_data
        names = ["date", "session", "group", "men", "women", "hours", "activity"]
        return {name: data[name] for name in names} | {"attendance": data.get("attendance")}

    def clean(self):
        data = super().clean()
        data["men"], data["women"] = data.get("men") or 0, data.get("women") or 0
        if data["men"] + data["women"] <= 0 and not self.errors:
            raise forms.ValidationError(_("Isi jumlah peserta laki-laki dan/atau perempuan."))
        return data


class ContributionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis swadaya"),
        choices=SwadayaContribution.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "choice"}),
    )
    description = forms.CharField(
        label=_("Uraian"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "mis. semen 10 sak, nasi bungkus 40"}),
    )
    quantity = _optional_amount(_("Jumlah (boleh kosong)"))
    unit = forms.CharField(label=_("Satuan"), max_length=20, required=False)
    value = RupiahField(label=_("Nilai (Rp)"), min_value=0)
    contributor = forms.CharField(
        label=_("Pemberi"),
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "mis. warga RT 05, Bapak Syamsul, CSR PT …"}),
    )
    date = forms.DateField(label=_("Tanggal"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _until_today(self.fields["date"])


class PhotoInput(_MultipleFileInput):
    def __init__(self, attrs=None):
        super().__init__({"multiple": True, "accept": "image/*", **(attrs or {})})


class PhotoUploadForm(forms.Form):
    """Several photos of one stage; without JavaScript a plain multi-file form."""

    stage = forms.TypedChoiceField(
        label=_("Tahap pekerjaan"),
        choices=STAGE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "stage"}),
    )
    caption = forms.CharField(label=_("Keterangan (boleh kosong)"), max_length=200, required=False)
    photos = MultipleFileField(
        label=_("Foto"),
        widget=PhotoInput(),
        error_messages={"required": _("Pilih paling sedikit satu foto.")},
    )


class SinglePhotoForm(ClientImageForm):
    """One photo sent by the page's script, with what it read from the phone's original."""

    stage = forms.TypedChoiceField(choices=STAGE_CHOICES, coerce=int)
    caption = forms.CharField(max_length=200, required=False)
    photo = forms.FileField(error_messages={"required": _("Foto tidak terkirim.")})


class ReportForm(forms.Form):
    realised_volume = _optional_amount(_("Volume terealisasi"), max_digits=10)
    problems = forms.CharField(
        label=_("Kendala dan cara mengatasinya"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = list(materials)
        for i, line in enumerate(self.materials):
            usage = line.usage
            for name, label in (("used", _("Terpakai")), ("leftover", _("Sisa"))):
                self.fields[f"{name}_{i}"] = _optional_amount(
                    label,
                    min_value=Decimal("0"),
                    initial=getattr(usage, name) if usage else None,
                )
            self.fields[f"note_{i}"] = forms.CharField(
                label=_("Keterangan"),
                required=False,
                max_length=200,
                initial=usage.note if usage else "",
            )

    def rows(self):
        for i, line in enumerate(self.materials):
            yield line, self[f"used_{i}"], self[f"leftover_{i}"], self[f"note_{i}"]

    def usage(self):
        from reporting.services import UsageInput

        result = {}
        for i, line in enumerate(self.materials):
            used = self.cleaned_data.get(f"used_{i}")
            if used is None:
                continue
            result[(line.description, line.unit)] = UsageInput(
                used=used,
                leftover=self.cleaned_data.get(f"leftover_{i}") or Decimal("0"),
                note=self.cleaned_data.get(f"note_{i}", ""),
            )
        return result


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("return", "return")])
    note = forms.CharField(required=False, max_length=2000)
    checklist = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = [(str(i.pk), i.text) for i in items]

    def answers(self) -> dict:
        return {pk: True for pk in self.cleaned_data.get("checklist", [])}


class CountersignForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan (boleh kosong)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
