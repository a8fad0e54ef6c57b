"""The Content-Security-Policy header (django-csp), left off PDFs and photos.

The policy itself is `CONTENT_SECURITY_POLICY` in the settings: scripts, styles, fonts and
frames come from this site only, with no inline script, inline style or event-handler
attribute anywhere (they live in static/), and no page may be framed.
"""

from csp.middleware import CSPMiddleware

# Opened on their own, a PDF or a photo is shown in a page Chromium makes itself, styled
# inline (and, for a PDF, holding an <embed>). The policy of the file's response governs
# that page: under it a PDF shows blank and a photo loses its centring and backdrop. Neither
# runs a script of ours, and X-Frame-Options: DENY still keeps them out of other sites'
# frames. SVG can hold scripts: it keeps the policy.
UNGOVERNED_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic")


def governed(response) -> bool:
    """Whether the response carries the policy: every one but PDFs and raster images."""
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type not in UNGOVERNED_TYPES


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, sending the policy on every response but PDFs and photos."""

    def process_response(self, request, response):
        if not governed(response):
            # The marks django-csp's own @csp_exempt sets.
            response._csp_exempt = True
            response._csp_exempt_ro = True
        return super().process_response(request, response)
