"""Money and numbers the Indonesian way: Rp 26.432.521.000."""

from decimal import Decimal

from django import template

register = template.Library()


def _group(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@register.filter
def rupiah(value):
    if value is None or value == "":
        return "–"
    try:
        amount = int(Decimal(value))
    except (ValueError, ArithmeticError, TypeError):
        return value
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {_group(abs(amount))}"


@register.filter
def angka(value):
    """A quantity: thousands with dots, decimals with a comma, trailing zeros dropped."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(value)
    except (ValueError, ArithmeticError, TypeError):
        return value
    integral = int(abs(number))
    fraction = abs(number) - integral
    text = _group(integral)
    if fraction:
        text += "," + f"{fraction.normalize():f}".split(".")[1]
    return ("-" if number < 0 else "") + text
