"""One way to answer a refused or out-of-scope action, for every view.

Services raise ``ActionRefused`` (an Indonesian message, maybe with problems) and
``NotInScope`` (the object is outside the user's area). A view that wants the refusal above
its own page runs the service through ``perform`` (or catches the refusal and calls
``say_refused``; an invalid form is said the same way by ``say_form_errors``);
``RefusalMiddleware`` answers the rest:
out of scope is a 404, never a 403, and an uncaught refusal is its message on a page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangkit.errors import ActionRefused, NotInScope


def say_refused(request, exc: ActionRefused, *, bullet: str = "• ") -> None:
    """The refusal as error messages: its reason, then each problem on a line of its own."""
    messages.error(request, exc.message)
    for problem in exc.problems:
        messages.error(request, f"{bullet}{problem}")


def wants_json(request) -> bool:
    """A page's upload script asks for JSON (one file per request), not a page."""
    return "application/json" in request.headers.get("Accept", "")


def json_refused(error: str, *, status: int = 400) -> JsonResponse:
    """A refusal as the upload scripts read it: ``{"ok": false, "error": <the reason>}``."""
    return JsonResponse({"ok": False, "error": error}, status=status)


def form_errors(form) -> list[str]:
    """Every error of a bound, invalid form, field after field, as plain texts."""
    return [error for errors in form.errors.values() for error in errors]


def say_form_errors(request, form, *, prefix: str = "", labelled: bool = False) -> None:
    """An invalid form's errors as error messages above the page, each after ``prefix``, or
    after its field's label (``labelled``) for a form whose fields are out of sight."""
    for name, errors in form.errors.items():
        label = f"{form.fields[name].label}: " if labelled and name in form.fields else ""
        for error in errors:
            messages.error(request, f"{prefix}{label}{error}")


def perform(request, service, /, *, success="", bullet: str = "• ", **kwargs) -> bool:
    """``service(actor=request.user, **kwargs)`` for a view that answers with its own page:
    True when it is done. The signed-in user is the actor unless ``actor`` is given.

    A refusal is said on the page (``say_refused``) and the answer is False; otherwise the
    ``success`` message is said: a text, or a function of what the service returned.
    """
    kwargs.setdefault("actor", request.user)
    try:
        result = service(**kwargs)
    except ActionRefused as exc:
        say_refused(request, exc, bullet=bullet)
        return False
    message = success(result) if callable(success) else success
    if message:
        messages.success(request, message)
    return True


def object_action(service, /, *, find, param: str, success="", then):
    """A signed-in, POST-only view ``(request, pk)`` for one action on one object, the form of
    every "remove", "withdraw" and "confirm" button: ``find(user, pk)`` reads the object (out
    of scope is a 404), ``perform`` runs ``service`` with it as ``param`` and says the
    refusal or the ``success`` text (or a function of the object, made before the action),
    and the answer goes back to the URL ``then(object)``.
    """

    @login_required
    @require_POST
    def view(request, pk):
        obj = find(request.user, pk)
        said = success(obj) if callable(success) else success
        perform(request, service, **{param: obj}, success=said)
        return redirect(then(obj))

    view.__doc__ = f"POST: {service.__name__} on one {param}, then back."
    return view


class RefusalMiddleware:
    """NotInScope from a view is the 404 page; an ActionRefused no view caught is a 409 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotInScope):
            raise Http404 from exception
        if isinstance(exception, ActionRefused):
            context = {"message": exception.message, "problems": exception.problems}
            return render(request, "409.html", context, status=409)
        return None
