"""Public pages for following a proposal by e-mail: ask, confirm, unsubscribe."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from bangkit.ratelimit import configured_rate, is_post, rate_exceeded, rate_limited
from portal import notifications
from proposals.codes import normalize_code
from proposals.models import Proposal

# (requests, seconds) per client address, and per address asked for; settings may override.
DEFAULT_FOLLOW_RATE = (10, 600)
DEFAULT_FOLLOW_ADDRESS_RATE = (3, 3600)

FOLLOW_ANSWER = (
    "Terima kasih. Bila alamat ini belum mengikuti usulan, kami mengirim e-mail berisi tautan "
    "konfirmasi ke alamat tersebut. Pemberitahuan baru dikirim setelah Anda mengonfirmasi."
)


class FollowForm(forms.Form):
    email = forms.EmailField(
        label="Alamat e-mail",
        max_length=254,
        error_messages={
            "required": "Alamat e-mail: wajib diisi.",
            "invalid": "Alamat e-mail: masukkan alamat e-mail yang benar, misalnya nama@contoh.id.",
            "max_length": "Alamat e-mail: terlalu panjang.",
        },
    )


@require_POST
@rate_limited("follow", "PUBLIC_FOLLOW_RATE", DEFAULT_FOLLOW_RATE, counts=is_post)
def follow(request, code):
    proposal = get_object_or_404(Proposal.objects.only("id", "code"), code=normalize_code(code))
    form = FollowForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, error)
        return redirect("public:track_detail", code=proposal.code)
    email = form.cleaned_data["email"].strip().lower()
    rate = configured_rate("PUBLIC_FOLLOW_ADDRESS_RATE", DEFAULT_FOLLOW_ADDRESS_RATE)
    # Nobody can flood one mailbox with confirmation mails; the answer stays the same.
    if not rate_exceeded(request, "follow-address", rate, who=email):
        notifications.request_follow(proposal, email)
    messages.success(request, FOLLOW_ANSWER)
    return redirect("public:track_detail", code=proposal.code)


def _follower_or_404(token):
    follower = notifications.follower_for_token(token)
    if follower is None:
        raise Http404("Tautan tidak dikenal atau sudah tidak berlaku.")
    return follower


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button, POST confirms: a mail scanner opening the link confirms nothing."""
    follower = _follower_or_404(token)
    done = follower.confirmed_at is not None
    expired = follower.confirm_expired
    if request.method == "POST" and not done and not expired:
        done = notifications.confirm_follow(follower)
    return render(
        request,
        "public/notifications/confirm.html",
        {"follower": follower, "proposal": follower.proposal, "done": done, "expired": expired},
    )


@never_cache
@csrf_exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" without a form
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows one button; POST (that button, or the mail program's own) forgets the address."""
    follower = notifications.follower_for_token(token)
    if request.method == "POST":
        proposal = follower.proposal if follower else None
        if follower is not None:
            notifications.unsubscribe(follower)
        return render(
            request, "public/notifications/unsubscribe.html", {"done": True, "proposal": proposal}
        )
    if follower is None:
        # Already unsubscribed (the token went with the address): say so, not an error.
        return render(request, "public/notifications/unsubscribe.html", {"done": True})
    return render(
        request,
        "public/notifications/unsubscribe.html",
        {"done": False, "proposal": follower.proposal, "token": token},
    )
