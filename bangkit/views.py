"""The health check of the whole site (bangkit/health.py says what it checks)."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangkit import health


@never_cache
@require_GET
def healthz(request):
    body, status = health.report()
    return JsonResponse(body, status=status)
