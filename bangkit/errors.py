"""Errors that services raise and views turn into messages (or a 404)."""


class ActionRefused(Exception):
    """The action is not allowed now; the message is Indonesian and safe to show the user."""

    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotInScope(Exception):
    """The object is outside the user's area: views answer 404, never 403."""
