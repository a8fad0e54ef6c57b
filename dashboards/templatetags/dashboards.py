"""A dashboard's tables and cells in templates: numbers in Indonesian notation, linked to
their records."""

from django import template

from dashboards import html
from dashboards.tables import Cell

register = template.Library()


@register.simple_tag
def dash_table(table, query):
    """The table, its note and its downloads (dashboards.html: one pass in Python, not a
    template include with a tag per row: a ten-year page has thousands of cells)."""
    return html.table_html(table, query)


@register.simple_tag
def shown(c):
    return c.shown


@register.simple_tag
def as_kind(value, kind):
    """A bare value shown as a cell of that kind would show it."""
    return Cell(value=value, kind=kind).shown
