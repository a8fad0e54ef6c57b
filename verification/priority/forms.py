"""Forms of the ranking screen: the Camat's decisions on the suggested set."""

from django import forms

from bangkit.rules import MIN_REASON


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
