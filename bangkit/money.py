"""Money and numbers the Indonesian way, in one place: whole rupiah parsed, formatted and typed
in forms; quantities with a decimal comma."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError


def group_thousands(value) -> str:
    """26432521000 → '26.432.521.000' (Indonesian grouping)."""
    return f"{int(value):,}".replace(",", ".")


def rupiah(value) -> str:
    """An amount of money as people read it: 'Rp 26.432.521.000', '-Rp 5.000'."""
    amount = int(Decimal(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {group_thousands(abs(amount))}"


def number_text(value) -> str:
    """A quantity: 1000000 → '1.000.000', Decimal('12.50') → '12,5', -1.5 → '-1,5'."""
    number = Decimal(value)
    integral = int(abs(number))
    text = group_thousands(integral)
    fraction = abs(number) - integral
    if fraction:
        text += "," + f"{fraction.normalize():f}".split(".")[1]
    return ("-" if number < 0 else "") + text


class RupiahField(forms.CharField):
    """Whole rupiah, typed the way people write them: 1.250.000.000, Rp 1 250 000 000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        cleaned = re.sub(r"^\s*rp\.?\s*", "", text, flags=re.IGNORECASE)
        cleaned = re.sub(r"[\s.]", "", cleaned)
        if re.fullmatch(r"\d+,0*", cleaned):
            cleaned = cleaned.split(",")[0]
        # isascii() too: "²" is a digit to isdigit(), and int("²") raises.
        if not (cleaned.isascii() and cleaned.isdigit()):
            raise ValidationError(
                "Tulis jumlah rupiah dengan angka saja, misalnya 850.000.000.", code="invalid"
            )
        if len(cleaned) > 15:
            raise ValidationError("Jumlah ini terlalu besar.", code="max_value")
        return int(cleaned)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return value
