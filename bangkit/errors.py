"""Errors that services raise and views turn into messages (or a 404)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ActionRefused(Exception):
    """The action is not allowed now; the message is Indonesian and safe to show the user."""

    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotInScope(Exception):
    """The object is outside the user's area: views answer 404, never 403."""


def full_clean_or_refuse(obj, *, exclude, message: str = "Data belum benar.") -> None:
    """Model validation as an ActionRefused whose lines name the field, in Indonesian."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        problems = []
        for name, messages in exc.message_dict.items():
            label = obj._meta.get_field(name).verbose_name if name != NON_FIELD_ERRORS else ""
            problems += [f"{str(label).capitalize()}: {m}" if label else m for m in messages]
        raise ActionRefused(message, problems=problems) from exc
