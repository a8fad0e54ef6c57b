"""Money and numbers the Indonesian way, in one place: whole rupiah parsed, formatted and typed
in forms; quantities with a decimal comma."""

import re
from decimal import ROUND_HALF_UP, Decimal

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


def whole_rupiah(amount) -> int:
    """An exact amount (Decimal, int or its text) rounded half up to whole rupiah, as every
    computed amount of the programme is rounded."""
    return int(Decimal(amount).quantize(Decimal("1"), ROUND_HALF_UP))


def line_total(quantity, unit_price) -> int:
    """The total of an RAB or order line: quantity × unit price, half up to whole rupiah."""
    return whole_rupiah(Decimal(quantity) * unit_price)


def number_text(value) -> str:
    """A quantity: 1000000 → '1.000.000', Decimal('12.50') → '12,5', -1.5 → '-1,5'."""
    number = Decimal(value)
    integral = int(abs(number))
    text = group_thousands(integral)
    fraction = abs(number) - integral
    if fraction:
        text += "," + f"{fraction.normalize():f}".split(".")[1]
    return ("-" if number < 0 else "") + text


# Far above any site or envelope of this programme, far below what the database can hold.
MAX_RUPIAH = 1_000_000_000_000
# Thousands of digits would not even convert (Python refuses over 4,300); anything past a
# quadrillion is a typo in this programme.
MAX_RUPIAH_DIGITS = 15


def parse_rupiah(text) -> int | None:
    """'25.000.000', 'Rp 25.000.000,-', '25000000', '1 500 000' → whole rupiah; None when blank.

    Only ASCII digits, grouped by dots in threes or not at all: '25,5', '1.5', '25.00.000',
    '-5000' and '²' are refused rather than guessed at.
    """
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    raw = re.sub(r"\s+", "", str(text))
    raw = re.sub(r"^rp\.?", "", raw, flags=re.IGNORECASE)
    raw = re.sub(r"(,-|,0+|\.-)$", "", raw)
    if raw == "":
        return None
    if re.fullmatch(r"[0-9]+", raw) or re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", raw):
        digits = raw.replace(".", "").lstrip("0") or "0"
        if len(digits) > MAX_RUPIAH_DIGITS:
            raise ValidationError("Jumlah rupiah ini terlalu besar.", code="max_value")
        return int(digits)
    raise ValidationError("Masukkan jumlah rupiah tanpa sen, misalnya 25.000.000.", code="invalid")


def _shown(text: str, limit: int = 30) -> str:
    """What the user typed, cut short enough to be read back in a message."""
    return text if len(text) <= limit else text[:limit] + "…"


class RupiahInput(forms.TextInput):
    """Money typed the way people write it; shown grouped with dots."""

    def __init__(self, attrs=None):
        defaults = {"inputmode": "numeric", "autocomplete": "off", "class": "money"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return group_thousands(value)
        return super().format_value(value)


class RupiahField(forms.IntegerField):
    """Whole rupiah as typed (see parse_rupiah), at most ``max_value`` (MAX_RUPIAH).

    Its messages may name the field, what was typed and the maximum: ``error_messages`` with
    %(label)s, %(value)s and %(limit)s for "invalid" (not an amount) and "max_value".
    """

    widget = RupiahInput
    default_error_messages = {
        "invalid": "Masukkan jumlah rupiah tanpa sen, misalnya 25.000.000.",
        "max_value": "Jumlah rupiah ini terlalu besar (paling banyak %(limit)s).",
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_value", MAX_RUPIAH)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            amount = parse_rupiah(text)
            code = "invalid" if amount is None else "max_value"
        except ValidationError as exc:
            amount, code = None, exc.code
        if amount is None or amount > self.max_value:
            params = {"label": self.label, "value": _shown(text), "limit": rupiah(self.max_value)}
            raise ValidationError(self.error_messages[code], code=code, params=params)
        return amount

    def widget_attrs(self, widget):
        # No min/max attributes: the input is text, so browsers would ignore them anyway.
        return {}
