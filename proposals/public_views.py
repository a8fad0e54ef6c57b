"""Public pages: follow a proposal by its tracking code, without signing in."""

from django.shortcuts import render

from proposals.codes import normalize_code
from proposals.models import Proposal


def track(request):
    query = request.GET.get("kode", "").strip()
    proposal = None
    error = ""
    if query:
        code = normalize_code(query)
        proposal = (
            Proposal.objects.select_related("rt", "kelurahan__kecamatan").filter(code=code).first()
            if code
            else None
        )
        if proposal is None:
            error = (
                "Kode lacak tidak ditemukan. Periksa kembali kode pada tanda terima usulan Anda."
            )
    return render(
        request, "public/track.html", {"query": query, "proposal": proposal, "error": error}
    )
