"""The menu with what waits for the user: the core's navigation by role, each entry with the
number of actions waiting behind it (the total on "Beranda")."""

from django.utils.functional import SimpleLazyObject

from bangkit import context_processors as core
from portal import todo

# The view that already counted (the home page) leaves the counts here for the menu.
COUNTS_ATTRIBUTE = "_todo_counts"


def _counts(request) -> dict[str, int]:
    counts = getattr(request, COUNTS_ATTRIBUTE, None)
    if counts is None:
        counts = todo.todo_counts(request.user)
        setattr(request, COUNTS_ATTRIBUTE, counts)
    return counts


def navigation(request):
    context = core.navigation(request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context

    def items():
        by_url = todo.menu_counts(user, _counts(request))
        return [(label, url, by_url.get(url, 0)) for label, url in context["nav_items"]]

    return {"nav_items": SimpleLazyObject(items)}
