"""Forms of the guided flow: each step is the full proposal form cut to its own fields, and the
RAB lines know the year's catalogue."""

from dataclasses import replace

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from procurement.rab import Catalogue
from proposals.forms import (
    BaseRABFormSet,
    ProposalForm,
    RABLineForm,
    rab_formset_class,
    rab_initial,
)
from proposals.services import PROPOSAL_FIELDS, RABInput

LOKASI_FIELDS = ["location_description", "latitude", "longitude"]
# Everything else the proposal asks: the work, its beneficiaries and the swadaya.
KEGIATAN_FIELDS = [name for name in PROPOSAL_FIELDS if name not in LOKASI_FIELDS]


class StepForm(ProposalForm):
    """The proposal form with only the fields of one step (the model's checks still run)."""

    step_fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.step_fields:
                del self.fields[name]

    def _update_errors(self, errors):
        # The model may object to a field of another step: say it above the form.
        if hasattr(errors, "error_dict"):
            regrouped: dict[str, list] = {}
            for name, messages in errors.error_dict.items():
                target = name if name in self.fields else NON_FIELD_ERRORS
                regrouped.setdefault(target, []).extend(messages)
            errors = ValidationError(regrouped)
        super()._update_errors(errors)


class KegiatanForm(StepForm):
    step_fields = KEGIATAN_FIELDS


class LokasiForm(StepForm):
    step_fields = LOKASI_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location_description"].widget.attrs["maxlength"] = 300


class CatalogueRABLineForm(RABLineForm):
    """A RAB line whose material may be picked from the year's catalogue: its unit is the
    catalogue's and a blank price is the reference price. Any other name is a free line."""

    def __init__(self, *args, catalogue: Catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["material"].widget.attrs["list"] = "rab-catalogue"
        self.fields["material"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        item = self.catalogue.find(self.cleaned_data.get("material") or "")
        if item is not None:
            self.cleaned_data["material"] = item.name
            self.cleaned_data["unit"] = item.unit
            if self.cleaned_data.get("unit_price") is None and "unit_price" not in self.errors:
                self.cleaned_data["unit_price"] = item.reference_price
        cleaned = super().clean()
        cleaned["catalogue_item"] = item
        return cleaned

    @property
    def picked(self):
        """The catalogue material this line names now (for its mark on the page)."""
        if self.is_bound:
            name = self.data.get(self.add_prefix("material"), "")
        else:
            name = self.initial.get("material", "")
        return self.catalogue.find(name)

    @property
    def shows_content(self) -> bool:
        if self.is_bound:
            return any(
                str(self.data.get(self.add_prefix(name), "")).strip()
                for name in ("material", "quantity", "unit_price")
            )
        return bool(self.initial)


class CatalogueRABFormSet(BaseRABFormSet):
    def get_form_kwargs(self, index):
        return {**self.form_kwargs, **super().get_form_kwargs(index)}

    def rab_input(self, form) -> RABInput:
        """The line, marked as picked from the catalogue (at its reference price) or not."""
        item = form.cleaned_data.get("catalogue_item")
        return replace(
            super().rab_input(form),
            from_catalogue=item is not None,
            reference_price=item.reference_price if item else None,
        )


FlowRABFormSet = rab_formset_class(CatalogueRABLineForm, CatalogueRABFormSet)


def flow_rab_formset(data=None, *, proposal, catalogue: Catalogue, proposed=None):
    """The RAB step's lines: the posted data, or the saved lines to edit, or (a RAB not begun
    yet) the ``proposed`` rows of a template, shown to be checked and saved, not yet kept."""
    initial = None
    if data is None:
        initial = rab_initial(proposal.rab_lines.all()) or proposed
    return FlowRABFormSet(data, initial=initial, prefix="rab", form_kwargs={"catalogue": catalogue})


class TemplateChoiceForm(forms.Form):
    template = forms.TypedChoiceField(
        label=_("Templat"), coerce=int, error_messages={"invalid_choice": _("Pilih templat.")}
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.pk: t for t in templates}
        self.fields["template"].choices = [(t.pk, t.name) for t in templates]

    def chosen(self):
        return self.templates[self.cleaned_data["template"]]
