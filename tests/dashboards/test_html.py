"""dashboards.html: a table as the dashboard page prints it."""

from django.urls import reverse

from dashboards import html
from dashboards.tables import Table, cell, records_path, text


def _table(**kwargs) -> Table:
    defaults = dict(key="uang", title="Uang per tahun", headers=["Tahun", "Terikat"])
    return Table(**(defaults | kwargs))


def test_numbers_in_indonesian_notation_linked_to_their_records():
    table = _table(rows=[[cell(2025, "year"), cell(26_432_521_000, "money", link="tahun=2025")]])
    out = html.table_html(table, "tahun=2025")
    assert '<td class="num">2025</td>' in out
    link = f"{records_path()}?tahun=2025"
    assert f'<td class="num"><a href="{link}">Rp 26.432.521.000</a></td>' in out
    assert '<th scope="col">Tahun</th>' not in out  # the year column holds numbers
    assert '<th class="num" scope="col">Terikat</th>' in out


def test_text_columns_left_and_headers_read_off_the_first_row():
    table = _table(headers=["Kelurahan", "Lokasi"], rows=[[text("Talang Banjar"), cell(3)]])
    out = html.table_html(table, "")
    assert '<th scope="col">Kelurahan</th><th class="num" scope="col">Lokasi</th>' in out
    assert '<td class="main">Talang Banjar</td><td class="num">3</td>' in out


def test_an_empty_table_says_so_across_every_column():
    out = html.table_html(_table(headers=["Tahun", "Terikat", "Dibayar"]), "")
    assert f'<td colspan="3" class="muted">{html.EMPTY}</td>' in out
    assert '<tr class="total">' not in out


def test_the_total_row_note_and_downloads():
    table = _table(rows=[[cell(2025, "year"), cell(5)]], total=[text("Jumlah"), cell(5)])
    table.note = "Pagu dihitung sekali."
    out = html.table_html(table, "dari=2016&sampai=2025")
    assert '<tr class="total"><td class="main">Jumlah</td><td class="num">5</td></tr>' in out
    assert '<p class="dash-note">Pagu dihitung sekali.</p>' in out
    csv = reverse("dashboards:download", args=["uang", "csv"])
    xlsx = reverse("dashboards:download", args=["uang", "xlsx"])
    assert f'<a href="{csv}?dari=2016&amp;sampai=2025">CSV</a>' in out
    assert f'<a href="{xlsx}?dari=2016&amp;sampai=2025">XLSX</a>' in out
    assert 'id="tabel-uang"' in out
    # The frame that scrolls sideways on a phone takes the keyboard's focus, named.
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="Uang per tahun">' in out


def test_every_value_is_escaped():
    hostile = '<script>alert("x")</script>'
    table = _table(
        title=hostile,
        headers=[hostile, "Lokasi"],
        rows=[[text(hostile, link='a="b"&c=<d>'), cell(None)]],
    )
    table.note = hostile
    out = html.table_html(table, '"><script>')
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "a=&quot;b&quot;&amp;c=&lt;d&gt;" in out
    assert '<td class="num">–</td>' in out  # no value: a dash
