"""Form widgets the apps' forms share."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker: ``type="date"`` reads and writes ISO dates (2026-03-04),
    whatever the page's language, so the value is rendered in that format too."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
