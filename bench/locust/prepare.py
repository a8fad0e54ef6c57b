"""Write the load scenario's plan (JSON) from the database the run will use: the public pages'
codes and filter values, and the 30 staff and RT accounts with the records each works on.

    DATABASE_URL=postgres://…/bk_seed_load_run python bench/locust/prepare.py OUT.json

Read only. The accounts are the demo's (`seed_demo`; password `bangkit-demo`): the lurah of each
kelurahan with submitted proposals of the demo year return them for revision and their Ketua RT
submit them again (a decision each way, so the run never runs out of work); the Ketua RT of a
draft upload a photo to it, the Ketua RT of a site in progress a progress photo; the others read
their lists and review pages.
"""

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

STAFF_USERS = 30


def build_plan() -> dict:
    from bangkit.models import Kecamatan, Role, User, WorkType
    from portal import projects
    from proposals.models import Proposal
    from proposals.states import State
    from reporting.models import ProgressPhoto

    rng = random.Random(15)
    demo_year = Proposal.objects.order_by("-fiscal_year__year").values_list(
        "fiscal_year__year", flat=True
    )[0]
    sites = projects.public_sites().order_by("-fiscal_year__year", "code")
    sites = list(sites.values_list("code", flat=True))
    public = {
        "site_codes": rng.sample(sites, min(300, len(sites))),
        "tracking_codes": list(Proposal.objects.order_by("?").values_list("code", flat=True)[:300]),
        "years": sorted({int(c.split("-")[1]) for c in sites}, reverse=True),
        "kecamatan": list(Kecamatan.objects.values_list("slug", flat=True)),
        "work_types": list(WorkType.objects.values_list("code", flat=True)),
        "stages": list(projects.STAGES),
    }
    this_year = Proposal.objects.filter(fiscal_year__year=demo_year).select_related(
        "kelurahan", "rt"
    )
    rt_user = {u.rt_id: u.username for u in User.objects.filter(role=Role.RT, rt__isnull=False)}
    lurah = {
        u.kelurahan_id: u.username
        for u in User.objects.filter(role=Role.KELURAHAN, kelurahan__isnull=False)
    }
    camat = list(
        User.objects.filter(role=Role.KECAMATAN)
        .order_by("username")
        .values_list("username", flat=True)
    )
    staff: list[dict] = []
    decide: dict[str, list[str]] = {}
    for p in this_year.filter(state=State.SUBMITTED).order_by("code"):
        decide.setdefault(lurah[p.kelurahan_id], []).append(p.code)
        staff.append({"username": rt_user[p.rt_id], "role": "rt", "resubmit": [p.code]})
    staff += [{"username": u, "role": "lurah", "decide": codes} for u, codes in decide.items()]
    for p in this_year.filter(state=State.DRAFT).order_by("code")[:4]:
        staff.append({"username": rt_user[p.rt_id], "role": "rt", "attach": [p.code]})
    for p in this_year.filter(state=State.IN_PROGRESS).order_by("code")[:2]:
        photos = list(ProgressPhoto.objects.filter(proposal=p).values_list("pk", flat=True)[:5])
        staff.append({"username": rt_user[p.rt_id], "role": "rt", "site": p.pk, "photos": photos})
    # Offices that only read: lurah of the year's other proposals, camat, the city's offices.
    readers = [
        {"username": lurah[k], "role": "lurah"}
        for k in this_year.exclude(kelurahan_id__in=[]).values_list("kelurahan_id", flat=True)
        if lurah.get(k) and lurah[k] not in decide
    ]
    readers = list({r["username"]: r for r in readers}.values())[:6]
    readers += [{"username": u, "role": "camat"} for u in camat[:5]]
    readers += [{"username": "bappeda", "role": "bappeda"}] * 2
    readers += [{"username": "inspektorat", "role": "inspektorat"}] * 2
    others = list(
        User.objects.filter(role=Role.RT).order_by("?").values_list("username", flat=True)[:30]
    )
    while len(staff) + len(readers) < STAFF_USERS:
        readers.append({"username": others.pop(), "role": "rt"})
    staff = (staff + readers)[:STAFF_USERS]
    return {"demo_year": demo_year, "public": public, "staff": staff}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    import django

    django.setup()
    plan = build_plan()
    Path(sys.argv[1]).write_text(json.dumps(plan, indent=1), encoding="utf-8")
    roles: dict[str, int] = {}
    for user in plan["staff"]:
        roles[user["role"]] = roles.get(user["role"], 0) + 1
    print(f"plan: {len(plan['public']['site_codes'])} site pages, staff {roles}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
