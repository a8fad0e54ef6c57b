"""Sign-in: what django-axes records about a failed attempt; password-reset requests limited."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from bangkit.ratelimit import is_post, rate_limited

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


# ---- password-reset requests ---------------------------------------------------------------

# (requests, seconds); settings PASSWORD_RESET_IP_RATE and PASSWORD_RESET_ADDRESS_RATE override.
DEFAULT_PASSWORD_RESET_IP_RATE = (10, 3600)
DEFAULT_PASSWORD_RESET_ADDRESS_RATE = (5, 3600)
# An address longer than this is no account's (EmailField holds 254 characters).
EMAIL_MAX = 254


def reset_address(request, **kwargs) -> str:
    """The e-mail address a reset is asked for, as it is counted: trimmed, lower case."""
    return str(request.POST.get("email", "")).strip().lower()[:EMAIL_MAX]


def _rate_limited_reset(view):
    """Per client address (one machine asking for many accounts) and per e-mail address (many
    machines flooding one person's inbox), counted on every request sent, known address or not,
    so the answer tells nothing about which addresses have an account."""
    back = ("login", "Kembali ke halaman masuk")
    per_address = rate_limited(
        "password-reset-address",
        "PASSWORD_RESET_ADDRESS_RATE",
        DEFAULT_PASSWORD_RESET_ADDRESS_RATE,
        counts=is_post,
        key=reset_address,
        back=back,
    )
    per_ip = rate_limited(
        "password-reset-ip",
        "PASSWORD_RESET_IP_RATE",
        DEFAULT_PASSWORD_RESET_IP_RATE,
        counts=is_post,
        back=back,
    )
    return per_ip(per_address(view))


password_reset = _rate_limited_reset(auth_views.PasswordResetView.as_view())
