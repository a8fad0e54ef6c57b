"""The health check of the whole site (bangkit/health.py says what it checks), and the page of
an error no view handled."""

import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangkit import health


@never_cache
@require_GET
def healthz(request):
    body, status = health.report()
    return JsonResponse(body, status=status)


def server_error(request):
    """handler500: a lost database connection (PostgreSQL restarted, the backend killed, the
    network gone) is a 503 saying in Indonesian that nothing was saved and to try again; any
    other error keeps the 500 page. Rendered without the menu, whose counts need the database.

    The service's transaction was rolled back (or never committed) and its stored files
    swept by bangkit.storage; Django drops the broken connection, so the next request
    connects afresh."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
