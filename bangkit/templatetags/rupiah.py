"""Money and numbers the Indonesian way in templates: Rp 26.432.521.000, 12,5."""

from django import template

from bangkit import money

register = template.Library()


def _template_filter(name: str, format_value):
    """A filter from a formatter of bangkit.money: '–' for nothing, junk shown as it is."""

    def shown(value):
        if value is None or value == "":
            return "–"
        try:
            return format_value(value)
        except (ValueError, ArithmeticError, TypeError):
            return value

    shown.__doc__ = format_value.__doc__
    return register.filter(name, shown)


rupiah = _template_filter("rupiah", money.rupiah)
# A quantity: thousands with dots, decimals with a comma, trailing zeros dropped.
angka = _template_filter("angka", money.number_text)
