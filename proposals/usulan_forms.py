"""Forms of the staff pages for residents' usulan, the RT's list and meeting, carry-over."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bangkit.models import FiscalYear, Kecamatan, Kelurahan, WorkType
from bangkit.widgets import DateInput
from proposals.models import ResidentUsulan


class AcceptForm(forms.Form):
    work_type = forms.ModelChoiceField(
        label=_("Jenis kegiatan"),
        queryset=WorkType.objects.filter(active=True),
        required=False,
        empty_label=_("— seperti usulan warga —"),
    )


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Alasan"),
        choices=ResidentUsulan.RejectReason.choices,
        error_messages={"required": _("Pilih alasan penolakan.")},
    )
    note = forms.CharField(
        label=_("Keterangan untuk warga (tampil di halaman lacak)"),
        max_length=500,
        required=False,
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        label=_("Tanggal rapat"),
        widget=DateInput(),
        error_messages={
            "required": _("Isi tanggal rapat."),
            "invalid": _("Tanggal rapat tidak benar."),
        },
    )
    attendance = forms.IntegerField(
        label=_("Jumlah hadir"),
        min_value=1,
        max_value=100_000,
        error_messages={"required": _("Isi jumlah warga yang hadir.")},
    )
    minutes = forms.FileField(
        label=_("Notulen rapat (PDF atau foto)"),
        error_messages={"required": _("Unggah notulen rapat.")},
    )


class CarryOverForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Dari tahun (sudah ditutup)"), coerce=int)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Kecamatan.objects.all(),
        required=False,
        empty_label=_("Semua kecamatan"),
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"),
        queryset=Kelurahan.objects.select_related("kecamatan"),
        required=False,
        empty_label=_("Semua kelurahan"),
    )
    work_type = forms.ModelChoiceField(
        label=_("Jenis kegiatan"),
        queryset=WorkType.objects.all(),
        required=False,
        empty_label=_("Semua jenis"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        closed = FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED).order_by("-year")
        self.fields["year"].choices = [(fy.year, str(fy.year)) for fy in closed]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Pilih tahun anggaran yang sudah ditutup."
        )

    def clean(self):
        cleaned = super().clean()
        kecamatan, kelurahan = cleaned.get("kecamatan"), cleaned.get("kelurahan")
        if kecamatan and kelurahan and kelurahan.kecamatan_id != kecamatan.pk:
            self.add_error("kelurahan", _("Kelurahan ini tidak berada di kecamatan yang dipilih."))
        return cleaned
