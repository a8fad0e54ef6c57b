"""The Walikota's annual report as a PDF (WeasyPrint, like the SK): the one module that renders
the dashboards' PDF template."""

from django.template.loader import render_to_string

from bangkit.pdf import write_pdf
from dashboards import report, selectors
from dashboards.filters import Filters


def annual_report_pdf(user, filters: Filters) -> bytes:
    context = report.annual_report(user, filters, palette=selectors.PDF_PALETTE)
    return write_pdf(render_to_string("dashboards/report_pdf.html", context))
