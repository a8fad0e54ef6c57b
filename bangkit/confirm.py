"""A second step before an irreversible action, for every view that takes one.

The first POST (the button on the record's page) answers with a page that says what will
happen and asks again; only a POST that carries ``confirm=1`` acts. The fields of the first
POST (a checklist, a note) travel with the confirmation as hidden fields, so the service gets
exactly what the user sent the first time. No browser ``confirm()``: the page works without
script and says the consequences in words.
"""

from dataclasses import dataclass, field, replace

from django.shortcuts import render

CONFIRM_FIELD = "confirm"
# Never carried: Django's token is written again by the page's own {% csrf_token %}.
NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def is_confirmed(request) -> bool:
    """The user answered yes on the confirmation page."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "1"


@dataclass(frozen=True)
class Confirmation:
    title: str  # the question, as the page's heading
    action: str  # the URL the confirmation posts to (the action's own)
    back: str  # where "Kembali" goes, nothing done
    button: str  # the button that acts
    consequences: list[str] = field(default_factory=list)  # what will happen, one per line
    button_class: str = "btn"
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden fields carried


def carried_fields(request) -> list[tuple[str, str]]:
    """The first POST's fields, each value once more, to send with the confirmation."""
    if request.method != "POST":
        return []
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]


def ask_to_confirm(request, template: str, confirmation: Confirmation, **context):
    """The confirmation page (a template extending ``confirm.html``); nothing has changed."""
    if not confirmation.fields:
        confirmation = replace(confirmation, fields=carried_fields(request))
    return render(request, template, {"confirmation": confirmation, **context})
