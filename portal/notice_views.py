"""The staff's notices: the list (newest first, unread marked) and marking them read."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bangkit.params import plain_int
from portal import notices


def _staff(request):
    if not notices.receives_notices(request.user):
        raise Http404


@login_required
@require_GET
def notice_list(request):
    _staff(request)
    return render(request, "portal/notices.html", {"notices": notices.latest(request.user)})


@login_required
@require_POST
def notice_read(request):
    """One notice (``pemberitahuan=<id>``) or every one (``semua=1``) marked read."""
    _staff(request)
    if request.POST.get("semua"):
        notices.mark_read(request.user)
    else:
        number = plain_int(request.POST.get("pemberitahuan", ""))
        if number is None or not notices.mark_read(request.user, number):
            # Not theirs, already read, or no such notice: nothing changes.
            return redirect("notices:list")
    return redirect("notices:list")
