"""Who may act, at the core: the predicates every app's ``rules.py`` builds on.

The right to *see* is ``visible_to`` (bangkit.scoping); the right to *act* is a predicate in the
app's ``rules.py``, named for what it checks and used alike by the services (to refuse), the
views (to show a button, passed to the template as a boolean) and the admin. A predicate only
answers yes or no: the service that refuses says why, in Indonesian.

``may_*`` predicates take ``(user, object)``; the proposal state machine's ``permission=``
predicates (proposals.rules) take ``(proposal, user)``, the order django-fsm calls them with.
"""

from bangkit.errors import ActionRefused
from bangkit.models import Role

# A written reason (to cancel an order, withdraw a photo, override the ranking) has at least
# this many letters.
MIN_REASON = 10


def has_reason(text) -> bool:
    """Whether a written reason is long enough to tell anyone why."""
    return len((text or "").strip()) >= MIN_REASON


def require_reason(text, *, what: str = "alasan yang jelas", note: str = "") -> str:
    """The written reason, stripped; refused, in the words of the step, when it is too short:
    "Tuliskan <what> (paling sedikit 10 huruf)[: <note>]."."""
    if not has_reason(text):
        extra = f": {note}" if note else ""
        raise ActionRefused(f"Tuliskan {what} (paling sedikit {MIN_REASON} huruf){extra}.")
    if "\x00" in text:
        # PostgreSQL cannot store it (the save would fail with a 500): said, not guessed.
        raise ActionRefused(f"Tuliskan {what} tanpa karakter NUL: teks itu tidak dapat disimpan.")
    return text.strip()


def is_signed_in(user) -> bool:
    """A real, active account (an anonymous visitor or a disabled account may do nothing)."""
    return user is not None and user.is_authenticated and user.is_active


def is_administrator(user) -> bool:
    """The system administrators: a superuser, or an account with the administrator role."""
    return is_signed_in(user) and (user.is_superuser or user.role == Role.ADMIN)


def keeps_city_data(user) -> bool:
    """Bappeda (or an administrator) keeps the city-wide data: regions, fiscal years and their
    rules, envelopes, the catalogue and prices, weights, templates. Never the Inspektorat."""
    if is_administrator(user):
        return True
    return is_signed_in(user) and not user.is_read_only and user.role == Role.BAPPEDA
