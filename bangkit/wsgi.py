"""WSGI entry point (gunicorn bangkit.wsgi; runserver loads it too, WSGI_APPLICATION)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from bangkit.heap import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
application = get_wsgi_application()
# What the first request would load anyway (the URLconf and, through it, every view), then
# the collector set for a long-running process (bangkit.heap).
get_resolver().url_patterns  # noqa: B018
settle()
