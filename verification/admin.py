"""Admin registrations of the verification app, one module per part of the app."""

import verification.decrees.admin  # noqa: F401
import verification.priority.admin  # noqa: F401
