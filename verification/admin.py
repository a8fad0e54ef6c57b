"""Admin registrations of the verification app, kept in one module per part of the app."""

import verification.admin_priority  # noqa: F401

try:
    import verification.admin_decrees  # noqa: F401
except ModuleNotFoundError as exc:  # the decree screens may not be there yet
    if exc.name != "verification.admin_decrees":
        raise
