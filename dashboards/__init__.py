"""Bappeda's city dashboards and the Walikota's annual report (top layer, beside portal).

- ``filters.py``: the query string read into ``Filters`` (year or range, kecamatan,
  kelurahan, work type); junk is a ``FilterError`` naming the field, an area outside the
  user's scope a 404.
- ``figures.py``: every section aggregated in the database, scoped with ``visible_to``:
  funnel, money (with budgets' rule of commitment and reporting's savings method),
  contributions, people and output, time per stage, reach and the Gini index, slums, figures
  per kelurahan.
- ``tables.py``: the figures as tables of cells (kind, value, link to the records), written
  as HTML, CSV and XLSX alike; ``records.py`` lists the records behind a number.
- ``charts.py``: bars, year columns and the kelurahan choropleth as server-side SVG.
- ``models.py`` / ``summary.py``: the closed years' summary rows (one per proposal, per
  kelurahan and work type of entries, and the time per stage per filter cell), which every
  figure reads for the closed years instead of their records; ``tasks.py`` rebuilds a year's
  rows when it closes or a record of it changes (``manage.py build_dashboard_summary`` too).
- ``selectors.py`` assembles the dashboard; ``cache.py`` keeps it (and its HTML) until a
  record changes; ``report.py`` builds the annual report page and PDF.
"""
