"""A dashboard cell as a table cell: the number in Indonesian notation, linked to its records."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from dashboards.tables import records_path

register = template.Library()


@register.simple_tag
def figure_row(cells):
    """A row of table cells: each number in Indonesian notation, linked to its records. One
    tag per row, not per cell: a ten-year page has thousands of cells (escaped with the
    standard library's html.escape, which Django's escape wraps, without its lazy-string
    handling)."""
    records = records_path()
    parts = []
    for c in cells:
        css = "num" if c.kind != "text" else "main"
        shown = escape(c.shown)
        if c.link:
            url = escape(f"{records}?{c.link}")
            parts.append(f'<td class="{css}"><a href="{url}">{shown}</a></td>')
        else:
            parts.append(f'<td class="{css}">{shown}</td>')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


@register.simple_tag
def shown(c):
    return c.shown


@register.simple_tag
def as_kind(value, kind):
    """A bare value shown as a cell of that kind would show it."""
    from dashboards.tables import Cell

    return Cell(value=value, kind=kind).shown
