"""Money and numbers the Indonesian way: Rp 26.432.521.000."""

from django import template

from bangkit import money

register = template.Library()


@register.filter
def rupiah(value):
    if value is None or value == "":
        return "–"
    try:
        return money.rupiah(value)
    except (ValueError, ArithmeticError, TypeError):
        return value


@register.filter
def angka(value):
    """A quantity: thousands with dots, decimals with a comma, trailing zeros dropped."""
    if value is None or value == "":
        return "–"
    try:
        return money.number_text(value)
    except (ValueError, ArithmeticError, TypeError):
        return value
