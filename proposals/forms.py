"""Forms of the proposal screens: Indonesian number input, the RAB formset, uploads, decisions."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangkit.files import IMAGE_TYPES, check_upload
from bangkit.images import ClientImageForm
from bangkit.models import RequiredDocument, WorkType
from bangkit.money import MAX_RUPIAH, RupiahField, line_total
from bangkit.params import plain_int
from proposals.models import Proposal
from proposals.services import PROPOSAL_FIELDS, RABInput

MAX_RAB_LINES = 100
MAX_FILES_PER_UPLOAD = 10


def parse_decimal(text) -> Decimal | None:
    """'12,5', '12.5', '1.234,5' → Decimal; a single dot or comma is the decimal mark."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    raw = re.sub(r"\s+", "", str(text))
    if raw == "":
        return None
    if "," in raw and "." in raw:
        # Indonesian grouping: dots for thousands, the comma for decimals.
        if not re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", raw):
            raise ValidationError(_("Masukkan angka, misalnya 12,5."), code="invalid")
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?|-?\.\d+", raw):
        raise ValidationError(_("Masukkan angka, misalnya 12,5."), code="invalid")
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above rules this out
        raise ValidationError(_("Masukkan angka, misalnya 12,5."), code="invalid") from exc


def format_decimal(value, *, decimal_mark: str = ",") -> str:
    if value in (None, ""):
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{number.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_mark)


class DecimalInput(forms.TextInput):
    def __init__(self, attrs=None, decimal_mark=","):
        self.decimal_mark = decimal_mark
        defaults = {"inputmode": "decimal", "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return format_decimal(value, decimal_mark=self.decimal_mark)
        return super().format_value(value)


class DecimalCommaField(forms.DecimalField):
    widget = DecimalInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_decimal(value)
        if not number.is_finite():  # pragma: no cover - parse_decimal returns finite numbers
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def widget_attrs(self, widget):
        return {}


class WorkTypeSelect(forms.Select):
    """Each option carries its unit and whether it needs a width, for the page's script."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        work_type = getattr(value, "instance", None)
        if work_type is not None:
            option["attrs"]["data-unit"] = work_type.unit
            option["attrs"]["data-has-width"] = "1" if work_type.has_width else "0"
        return option


def coordinate_field(label, *, example: str) -> DecimalCommaField:
    """A latitude or longitude in decimal degrees (the phone's GPS writes a decimal point)."""
    return DecimalCommaField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=DecimalInput(attrs={"placeholder": example}, decimal_mark="."),
    )


def width_field() -> DecimalCommaField:
    """The planned width of the works that need one (a road, a drain)."""
    return DecimalCommaField(
        label=_("Lebar (m)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.10"),
    )


class ProposalForm(forms.ModelForm):
    """The fields of a draft; the model's own validation runs on a copy of the proposal."""

    latitude = coordinate_field(_("Lintang"), example="-1.6101")
    longitude = coordinate_field(_("Bujur"), example="103.6131")
    planned_volume = DecimalCommaField(
        label=_("Volume rencana"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    planned_width = width_field()
    contribution_cash = RupiahField(label=_("Swadaya uang (Rp)"), min_value=0)
    contribution_materials_value = RupiahField(label=_("Nilai swadaya material (Rp)"), min_value=0)

    class Meta:
        model = Proposal
        fields = PROPOSAL_FIELDS
        labels = {
            "title": _("Judul kegiatan"),
            "work_type": _("Jenis kegiatan"),
            "location_description": _("Uraian lokasi"),
            "households_benefiting": _("KK penerima manfaat"),
            "people_benefiting": _("Jiwa penerima manfaat"),
            "contribution_labour_people": _("Swadaya tenaga (orang)"),
            "contribution_materials": _("Swadaya material"),
        }
        help_texts = {
            "location_description": _("Nama jalan/gang dan patokan, mis. Gg. Mawar depan musala."),
            "contribution_materials": _("Mis. pasir 2 m³ dan konsumsi gotong-royong."),
        }
        widgets = {
            "work_type": WorkTypeSelect,
            "households_benefiting": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "people_benefiting": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "contribution_labour_people": forms.NumberInput(
                attrs={"min": 0, "inputmode": "numeric"}
            ),
        }

    def __init__(self, *args, fiscal_year, **kwargs):
        super().__init__(*args, **kwargs)
        # A type no longer funded stays selectable, so the page still opens; submission then
        # lists it as a problem.
        funded = fiscal_year.work_types.filter(active=True).values("pk")
        field = self.fields["work_type"]
        field.queryset = WorkType.objects.filter(
            Q(pk__in=funded) | Q(pk=self.instance.work_type_id)
        ).order_by("name")
        field.empty_label = _("— pilih jenis kegiatan —")
        self.fields["planned_width"].help_text = _("Wajib untuk jalan setapak, drainase, dsb.")
        self.fields["title"].widget.attrs["maxlength"] = 300

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lon is None) and "latitude" not in self.errors:
            self.add_error(
                "longitude" if lon is None else "latitude",
                _("Isi lintang dan bujur bersama-sama, atau kosongkan keduanya."),
            )
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # The model's messages for the Jambi bounding box name raw limits; say what they mean.
        for name in ("latitude", "longitude"):
            if name in self.errors and self.data.get(self.add_prefix(name)):
                errors = self.errors[name].as_data()
                if any(e.code in ("min_value", "max_value") for e in errors):
                    self.errors[name] = self.error_class(
                        [_("Titik ini berada di luar Kota Jambi. Periksa lintang dan bujur.")]
                    )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROPOSAL_FIELDS if name in self.fields}


class RABLineForm(forms.Form):
    """One line of the RAB; a line left completely blank is simply ignored."""

    material = forms.CharField(label=_("Material"), max_length=150, required=False)
    unit = forms.CharField(label=_("Satuan"), max_length=20, required=False)
    quantity = DecimalCommaField(label=_("Jumlah"), required=False, max_digits=12, decimal_places=2)
    unit_price = RupiahField(label=_("Harga satuan (Rp)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No placeholders: on a blank row they read as if something had been typed.
        self.fields["material"].widget.attrs["class"] = "rab-material"
        self.fields["unit"].widget.attrs["class"] = "rab-unit"
        self.fields["quantity"].widget.attrs["class"] = "rab-qty"
        self.fields["unit_price"].widget.attrs["class"] = "money rab-price"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        values = [cleaned.get(name) for name in ("material", "unit", "quantity", "unit_price")]
        if all(v in (None, "") for v in values):
            cleaned["blank"] = True
            return cleaned
        cleaned["blank"] = False
        if cleaned.get("DELETE"):
            return cleaned
        if not cleaned.get("material"):
            self.add_error("material", _("Isi nama material."))
        if not cleaned.get("unit"):
            self.add_error("unit", _("Isi satuan, mis. sak, m³, batang."))
        quantity = cleaned.get("quantity")
        if quantity is None:
            self.add_error("quantity", _("Isi jumlah."))
        elif quantity <= 0:
            self.add_error("quantity", _("Jumlah harus lebih dari 0."))
        price = cleaned.get("unit_price")
        if price is None:
            self.add_error("unit_price", _("Isi harga satuan."))
        elif price < 1:
            self.add_error("unit_price", _("Harga satuan harus lebih dari 0."))
        if not self.errors and line_total(quantity, price) > MAX_RUPIAH:
            self.add_error(
                None, _("Jumlah harga baris ini terlalu besar. Periksa jumlah dan harga.")
            )
        return cleaned

    @property
    def line_total(self) -> int | None:
        """The server's total for this line, once the line is valid (shown on re-render)."""
        if not self.is_bound:
            data = self.initial
            if not data.get("quantity") or not data.get("unit_price"):
                return None
        else:
            data = getattr(self, "cleaned_data", None) or {}
            if self.errors or data.get("blank", True) or data.get("DELETE"):
                return None
        return line_total(data["quantity"], data["unit_price"])


class BaseRABFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row may be blank: clearing a row is as good as ticking its delete box.
        return {"empty_permitted": True, "use_required_attribute": False}

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("blank")
            and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if self.is_bound and self.management_form.cleaned_data.get("TOTAL_FORMS", 0) < 0:
            # No browser sends this; taken as "no rows" it would have emptied the RAB.
            raise ValidationError(
                _("Data RAB yang dikirim rusak. Muat ulang halaman lalu coba lagi."),
                code="tampered",
            )
        if any(self.errors):
            return
        if len(self.kept_forms()) > MAX_RAB_LINES:
            raise ValidationError(
                _("RAB paling banyak %(n)s baris.") % {"n": MAX_RAB_LINES}, code="too_many"
            )

    def rab_input(self, form) -> RABInput:
        """One kept line, as the services take it."""
        return RABInput(
            material=form.cleaned_data["material"].strip(),
            unit=form.cleaned_data["unit"].strip(),
            quantity=form.cleaned_data["quantity"],
            unit_price=form.cleaned_data["unit_price"],
        )

    def rab_inputs(self) -> list[RABInput]:
        return [self.rab_input(form) for form in self.kept_forms()]

    def total(self) -> int:
        return sum(form.line_total or 0 for form in self.forms)


def rab_formset_class(form, formset):
    """A RAB formset class: three empty lines to start, lines removable; beyond the limit the
    formset itself says how many lines a RAB may have."""
    return forms.formset_factory(
        form,
        formset=formset,
        extra=3,
        can_delete=True,
        max_num=MAX_RAB_LINES + 50,
        absolute_max=MAX_RAB_LINES + 50,
    )


RABFormSet = rab_formset_class(RABLineForm, BaseRABFormSet)


def rab_initial(lines) -> list[dict]:
    """The RAB lines as a formset's initial rows."""
    return [
        {
            "material": line.material,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for line in lines
    ]


def rab_formset(data=None, *, proposal=None):
    initial = None
    if proposal is not None and data is None:
        initial = rab_initial(proposal.rab_lines.all())
    return RABFormSet(data, initial=initial, prefix="rab")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"multiple": True, "accept": "application/pdf,image/*"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class AttachmentForm(ClientImageForm):
    """Files for one kind of document; each is checked by its content before any is kept."""

    kind = forms.ChoiceField(choices=RequiredDocument.Kind.choices, widget=forms.HiddenInput)
    files = MultipleFileField(
        label=_("Pilih berkas"),
        error_messages={"required": _("Pilih paling sedikit satu berkas.")},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError(_("Pilih paling sedikit satu berkas."), code="required")
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                _("Paling banyak %(n)s berkas sekali unggah.") % {"n": MAX_FILES_PER_UPLOAD}
            )
        problems = []
        for upload in files:
            try:
                checked = check_upload(upload)
            except ValidationError as exc:
                problems.extend(exc.messages)
                continue
            if self.data.get("kind") == "site_photo" and checked.content_type not in IMAGE_TYPES:
                problems.append(
                    _("'%(name)s': foto lokasi harus berupa gambar (JPEG, PNG, WebP atau HEIC).")
                    % {"name": upload.name}
                )
        if problems:
            raise ValidationError(problems)
        return files


class EntryProposalForm(forms.Form):
    """What the service needs beyond the Musrenbang entry to start a proposal."""

    work_type = forms.ModelChoiceField(
        label=_("Jenis kegiatan"), queryset=None, required=False, empty_label=_("— pilih —")
    )
    planned_width = width_field()

    def __init__(self, *args, entry, work_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.fields["work_type"].queryset = work_types

    def clean(self):
        cleaned = super().clean()
        work_type = cleaned.get("work_type") or self.entry.work_type
        if work_type is None:
            self.add_error("work_type", _("Pilih jenis kegiatan."))
        elif work_type.has_width and not cleaned.get("planned_width"):
            self.add_error("planned_width", _("Jenis kegiatan ini memerlukan lebar (m)."))
        return cleaned

    def service_fields(self) -> dict:
        fields = {}
        if self.cleaned_data.get("work_type"):
            fields["work_type"] = self.cleaned_data["work_type"]
        if self.cleaned_data.get("planned_width"):
            fields["planned_width"] = self.cleaned_data["planned_width"]
        return fields


class DecisionForm(forms.Form):
    """A decision on a proposal: the action, its note, the checklist answers, the state seen."""

    action = forms.CharField(max_length=40)
    note = forms.CharField(required=False, max_length=2000)
    expected_state = forms.CharField(max_length=30)

    def checklist(self) -> dict:
        """{item_pk: True} for every box ticked (the service decides which are needed)."""
        keys = self.data.getlist("checklist") if hasattr(self.data, "getlist") else []
        return {plain_int(key): True for key in keys if plain_int(key) is not None}
