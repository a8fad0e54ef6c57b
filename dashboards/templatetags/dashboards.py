"""A dashboard cell as a table cell: the number in Indonesian notation, linked to its records."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()
_RECORDS: list[str] = []


def _records_path() -> str:
    """The records page's path, reversed once (a page links a thousand numbers to it)."""
    if not _RECORDS:
        _RECORDS.append(reverse("dashboards:records"))
    return _RECORDS[0]


@register.simple_tag
def figure_cell(c):
    css = "num" if c.kind != "text" else "main"
    if c.link:
        url = f"{_records_path()}?{c.link}"
        return format_html('<td class="{}"><a href="{}">{}</a></td>', css, url, c.shown)
    return format_html('<td class="{}">{}</td>', css, c.shown)


@register.simple_tag
def shown(c):
    return c.shown


@register.simple_tag
def as_kind(value, kind):
    """A bare value shown as a cell of that kind would show it."""
    from dashboards.tables import Cell

    return Cell(value=value, kind=kind).shown
