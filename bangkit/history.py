"""Who made each change in the history django-simple-history keeps of rules and money records.

Every tracked model declares ``history = history_records(...)``: its history rows name the
actor a service was called with (``@records_actor``), else the signed-in user of the request
(simple-history's middleware), so a change made by an import, a background task or a seeder
is as attributable as one made in the admin.

What the history leaves out is named where the model declares it: ``excluded_fields`` (sums
kept up to date by bulk updates, a password), ``masked`` (a value that may be a whole NIK,
kept in the history only as its service shows it).
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

_actor: ContextVar = ContextVar("history_actor", default=None)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "pk", None) is not None and user.is_authenticated


@contextmanager
def acting(actor):
    """History rows written inside are recorded under ``actor``."""
    token = _actor.set(actor if _signed_in(actor) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def records_actor(service: Callable) -> Callable:
    """For a service taking a keyword ``actor``: what it saves is recorded under that actor."""

    @wraps(service)
    def wrapper(*args, **kwargs):
        with acting(kwargs.get("actor")):
            return service(*args, **kwargs)

    return wrapper


def history_user(request=None, **kwargs):
    """The user a history row names: the service's actor, else the request's user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if _signed_in(user) else None


class ActorHistoricalRecords(HistoricalRecords):
    """HistoricalRecords naming the service's actor, skipping saves of left-out fields only
    (a login's ``last_login``), and masking what must never be kept whole."""

    def __init__(self, *, masked: dict[str, Callable[[str], str]] | None = None, **options):
        super().__init__(get_user=history_user, **options)
        self.masked = masked or {}

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls and self.masked:
            history_model = getattr(sender, self.manager_name).model
            pre_create_historical_record.connect(self._mask, sender=history_model, weak=False)

    def _mask(self, sender, history_instance, **kwargs):
        for name, mask in self.masked.items():
            setattr(history_instance, name, mask(getattr(history_instance, name)))

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return  # nothing the history keeps was saved
        super().post_save(instance, created, using=using, **kwargs)


def history_records(**options) -> HistoricalRecords:
    """The history of a model: who changed what, from which value to which, and when."""
    return ActorHistoricalRecords(**options)
