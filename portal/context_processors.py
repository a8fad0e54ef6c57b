"""The menu with what waits for the user: the core's navigation by role, each entry with the
number of actions waiting behind it (the total on "Beranda")."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from bangkit import context_processors as core
from bangkit.queries import counts_at_once
from portal import notices, todo

# The view that already counted (the home page) leaves the counts here for the menu.
COUNTS_ATTRIBUTE = "_todo_counts"


# The number of the user's unread notices (portal/notices.py), counted with the to-dos.
UNREAD_ATTRIBUTE = "_unread_notices"
_UNREAD = "__unread_notices"


def menu_figures(request) -> dict[str, int]:
    """The user's to-do counts by kind, once per request, in one query with the number of
    their unread notices (left on the request for the menu)."""
    counts = getattr(request, COUNTS_ATTRIBUTE, None)
    if counts is None:
        user = request.user
        querysets = {kind.name: kind.rows(user) for kind in todo.kinds_for(user)}
        if notices.receives_notices(user):
            querysets[_UNREAD] = notices.unread(user)
        counts = counts_at_once(querysets)
        setattr(request, UNREAD_ATTRIBUTE, counts.pop(_UNREAD, 0))
        setattr(request, COUNTS_ATTRIBUTE, counts)
    return counts


def navigation(request):
    context = core.navigation(request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context

    def items():
        by_url = todo.menu_counts(user, menu_figures(request))
        found = [(label, url, by_url.get(url, 0)) for label, url in context["nav_items"]]
        if notices.receives_notices(user):
            unread = getattr(request, UNREAD_ATTRIBUTE, 0)
            found.insert(1, ("Pemberitahuan", reverse("notices:list"), unread))
        return found

    return {"nav_items": SimpleLazyObject(items)}
