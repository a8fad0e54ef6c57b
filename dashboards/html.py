"""A dashboard table as HTML, written by Python rather than by the template engine.

A ten-year page holds 13 tables with about 1,450 linked numbers. Through a template include
per table and a tag per row the engine spent more time looking variables up than the numbers
took to format; here each table is one pass over its rows. The markup is what
the ``_table.html`` include made, with the scrolling frame focusable."""

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from dashboards.tables import Cell, Table, records_path

EMPTY = "Tidak ada data untuk saringan ini."
NUMBER = ' class="num"'


def figure_row(cells: list[Cell]) -> str:
    """A row's cells: each number in Indonesian notation, linked to its records (escaped with
    the standard library's html.escape, which Django's escape wraps, without its lazy-string
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
    return "".join(parts)


def _downloads(key: str, query: str) -> str:
    query = escape(query)
    csv = escape(reverse("dashboards:download", args=[key, "csv"]))
    xlsx = escape(reverse("dashboards:download", args=[key, "xlsx"]))
    return (
        f'<p class="dash-downloads">Unduh: <a href="{csv}?{query}">CSV</a> '
        f'<a href="{xlsx}?{query}">XLSX</a></p>'
    )


def table_html(table: Table, query: str) -> SafeString:
    """The table in its scrolling frame, its note and its downloads (CSV, XLSX) for `query`."""
    heads = "".join(
        f'<th{NUMBER if is_number else ""} scope="col">{escape(h)}</th>'
        for h, is_number in table.header_cells()
    )
    body = [f"<tr>{figure_row(row)}</tr>\n" for row in table.rows]
    if not body:
        body = [f'<tr><td colspan="{len(table.headers)}" class="muted">{EMPTY}</td></tr>']
    if table.total:
        body.append(f'\n<tr class="total">{figure_row(table.total)}</tr>')
    else:
        body.append("\n")
    note = f'<p class="dash-note">{escape(table.note)}</p>' if table.note else ""
    return mark_safe(  # noqa: S308 (every value escaped above)
        # The frame scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(table.title)}">'
        f'<table class="dash-table" id="tabel-{escape(table.key)}">\n'
        f'<caption class="small muted">{escape(table.title)}</caption>\n'
        f"<thead><tr>{heads}</tr></thead>\n<tbody>\n{''.join(body)}\n"
        f"</tbody></table></div>\n{note}\n{_downloads(table.key, query)}\n"
    )
