"""Sign-in: what django-axes records about a failed attempt."""

from django.conf import settings

# User.username holds 150 characters; axes keeps usernames in varchar(255) columns.
USERNAME_MAX = 150


def axes_username(request, credentials=None) -> str | None:
    """The username a failed sign-in is recorded (and locked out) under, cut to a length the
    tables hold. Axes stored it whole: a 10 kB username typed into the sign-in form was a 500
    on PostgreSQL ("value too long for type character varying(255)")."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:USERNAME_MAX]
