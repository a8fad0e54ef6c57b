"""Where and when: site points and photo GPS outside the site's kelurahan or far from the site,
photos reused across sites, photos taken before the decree."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from audit.flags.common import number, site_fields, site_flag, site_link
from audit.flags.registry import Threshold, link, rule
from bangkit import geo
from bangkit.models import Kelurahan
from proposals.models import Proposal
from reporting.models import ProgressPhoto
from verification.models import Decree, DecreeLocation

FAR_FROM_SITE = Threshold(
    "place.max_photo_distance_m",
    "Jarak terjauh titik GPS foto dari titik lokasi",
    Decimal(300),
    "m",
)

# What a site's own row holds that ``outside_kelurahan`` reads (also from a photo's row).
SITE_KEYS = ("code", "fiscal_year__year", "kelurahan_id", "kelurahan__kecamatan_id")

PHOTO_FIELDS = (
    "id",
    "stage",
    "latitude",
    "longitude",
    "taken_at",
    "phash",
    "sha256",
    "flags",
    *site_fields(),
    "proposal__kelurahan_id",
    "proposal__latitude",
    "proposal__longitude",
)


def photo_link(photo: dict) -> tuple[str, str]:
    return link(
        f"Foto {photo['stage']}% usulan {photo['proposal__code']}",
        "reporting:photo_display",
        photo["id"],
    )


def kept_photos(ctx):
    """Photos not withdrawn, with their site, in the years asked for."""
    return ctx.in_years(
        ProgressPhoto.objects.filter(withdrawn_at__isnull=True), "proposal__fiscal_year__year"
    )


def _boundaries() -> dict[int, tuple]:
    """Each kelurahan's polygon with its box, loaded once."""
    out = {}
    for pk, name, boundary in Kelurahan.objects.exclude(boundary__isnull=True).values_list(
        "id", "name", "boundary"
    ):
        out[pk] = (name, boundary, geo.bbox(boundary))
    return out


def _inside(entry, lat, lon) -> bool:
    _, boundary, (west, south, east, north) = entry
    lat, lon = float(lat), float(lon)
    if not (west <= lon <= east and south <= lat <= north):
        return False
    return geo.contains(boundary, lat, lon)


@rule("outside_kelurahan", "Titik lokasi atau GPS foto di luar kelurahan")
def outside_kelurahan(ctx):
    """A site's point, or the GPS of one of its progress photos, outside the boundary of the
    kelurahan the site belongs to.

    The boundaries are the real ones loaded from ``fixtures/`` (``load_regions``), checked by
    point in polygon (``bangkit.geo``); a kelurahan without a stored boundary is not judged.
    One flag per site, listing the points found outside.
    """
    boundaries = _boundaries()
    found = defaultdict(lambda: {"site": None, "photos": []})
    sites = ctx.in_years(
        Proposal.objects.filter(latitude__isnull=False, longitude__isnull=False),
        "fiscal_year__year",
    ).values(*site_fields(""), "kelurahan_id", "latitude", "longitude")
    info = {}
    for site in sites:
        info[site["id"]] = site
        entry = boundaries.get(site["kelurahan_id"])
        if entry and not _inside(entry, site["latitude"], site["longitude"]):
            found[site["id"]]["site"] = (site["latitude"], site["longitude"])
    photos = kept_photos(ctx).filter(latitude__isnull=False, longitude__isnull=False)
    for photo in photos.values(*PHOTO_FIELDS):
        entry = boundaries.get(photo["proposal__kelurahan_id"])
        if entry and not _inside(entry, photo["latitude"], photo["longitude"]):
            found[photo["proposal_id"]]["photos"].append(photo)
            info.setdefault(
                photo["proposal_id"],
                {key: photo[f"proposal__{key}"] for key in SITE_KEYS},
            )
    for proposal_id, hit in sorted(found.items()):
        site = info[proposal_id]
        name = boundaries[site["kelurahan_id"]][0]
        what = []
        figures = [("Kelurahan lokasi", name)]
        if hit["site"]:
            what.append("titik lokasi")
            figures.append(("Titik lokasi", f"{hit['site'][0]}, {hit['site'][1]}"))
        if hit["photos"]:
            what.append(f"{len(hit['photos'])} foto")
        yield site_flag(
            proposal_id,
            site,
            f"{' dan '.join(what)} di luar Kelurahan {name}",
            via="",
            figures=figures,
            listed=(
                (f"GPS foto {p['stage']}%", f"{p['latitude']}, {p['longitude']}")
                for p in hit["photos"]
            ),
            links=[photo_link(p) for p in hit["photos"]],
            facts={
                "site": hit["site"],
                "photos": [[p["id"], p["latitude"], p["longitude"]] for p in hit["photos"]],
            },
        )


@rule("photo_far_from_site", "GPS foto jauh dari titik lokasi", thresholds=[FAR_FROM_SITE])
def photo_far_from_site(ctx):
    """A progress photo whose GPS is farther from the site's point than the year's distance.

    The distance is measured on the sphere (``bangkit.geo.distance_m``); sites without a point
    and photos without GPS are not judged. One flag per site, listing the photos.
    """
    photos = kept_photos(ctx).filter(
        latitude__isnull=False,
        longitude__isnull=False,
        proposal__latitude__isnull=False,
        proposal__longitude__isnull=False,
    )
    by_site = defaultdict(list)
    for photo in photos.values(*PHOTO_FIELDS):
        year = photo["proposal__fiscal_year__year"]
        metres = geo.distance_m(
            photo["latitude"],
            photo["longitude"],
            photo["proposal__latitude"],
            photo["proposal__longitude"],
        )
        if metres > ctx.value(FAR_FROM_SITE.key, year):
            by_site[photo["proposal_id"]].append((round(metres), photo))
    for proposal_id, hits in sorted(by_site.items()):
        first = hits[0][1]
        year = first["proposal__fiscal_year__year"]
        limit = ctx.value(FAR_FROM_SITE.key, year)
        farthest = max(m for m, _ in hits)
        yield site_flag(
            proposal_id,
            first,
            f"{len(hits)} foto lebih dari {number(limit)} m dari titik lokasi "
            f"(terjauh {number(farthest)} m)",
            figures=[("Batas jarak", f"{number(limit)} m")],
            listed=((f"Foto {p['stage']}%", f"{number(m)} m") for m, p in hits),
            links=[photo_link(p) for _, p in hits],
            facts={"photos": [[p["id"], m] for m, p in hits]},
        )


REUSE_CODES = ("duplicate", "near_duplicate")


@rule("photo_reused", "Foto dipakai ulang di lokasi lain")
def photo_reused(ctx):
    """The same or a near-same photo (perceptual hash) used on two sites, also across years.

    Two sources, both stored by reporting when a photo is uploaded: photos whose perceptual
    hash (64 bits, ``imagehash.phash``) is identical on different sites, found by grouping the
    stored hashes; and the near-duplicates (a few bits apart) that reporting's photo check
    already found against every earlier photo of the programme. The later photo's site is the
    subject; the earlier one is linked as the original.
    """
    photos = ProgressPhoto.objects.filter(withdrawn_at__isnull=True)
    shared = (
        photos.values("phash")
        .order_by()
        .annotate(sites=Count("proposal_id", distinct=True))
        .filter(sites__gt=1)
        .values("phash")
    )
    if connection.features.supports_json_field_contains:
        flagged = photos.filter(
            Q(phash__in=shared)
            | Q(flags__contains=[{"code": REUSE_CODES[0]}])
            | Q(flags__contains=[{"code": REUSE_CODES[1]}])
        )
        rows = {p["id"]: p for p in flagged.values(*PHOTO_FIELDS)}
    else:
        # SQLite (the quick start) has no JSON containment: photos with any flag are read and
        # the reuse codes picked here, beside the shared hashes.
        rows = {p["id"]: p for p in photos.filter(phash__in=shared).values(*PHOTO_FIELDS)}
        for p in photos.exclude(flags=[]).exclude(id__in=rows).values(*PHOTO_FIELDS):
            if any(f.get("code") in REUSE_CODES for f in p["flags"] or []):
                rows[p["id"]] = p
    referenced = {
        f["photo"]
        for p in rows.values()
        for f in p["flags"]
        if f.get("code") in REUSE_CODES and f.get("photo") and f["photo"] not in rows
    }
    if referenced:
        rows.update({p["id"]: p for p in photos.filter(pk__in=referenced).values(*PHOTO_FIELDS)})
    pairs = set()
    by_hash = defaultdict(list)
    for photo in rows.values():
        by_hash[photo["phash"]].append(photo)
        for f in photo["flags"]:
            other = rows.get(f.get("photo")) if f.get("code") in REUSE_CODES else None
            if other and other["proposal_id"] != photo["proposal_id"]:
                pairs.add((other["id"], photo["id"]))
    for same in by_hash.values():
        same.sort(key=lambda p: p["id"])
        original = same[0]
        for photo in same[1:]:
            if photo["proposal_id"] != original["proposal_id"]:
                pairs.add((original["id"], photo["id"]))
    by_site = defaultdict(list)
    for original_id, copy_id in sorted(pairs):
        copy = rows[copy_id]
        if ctx.years and copy["proposal__fiscal_year__year"] not in ctx.years:
            continue
        by_site[copy["proposal_id"]].append((rows[original_id], copy))
    for proposal_id, found in sorted(by_site.items()):
        copy = found[0][1]
        others = sorted({o["proposal__code"] for o, _ in found})
        yield site_flag(
            proposal_id,
            copy,
            f"{len(found)} foto sama atau hampir sama dengan foto usulan {', '.join(others[:3])}",
            figures=[],
            listed=(
                (
                    f"Foto {c['stage']}% ↔ {o['proposal__code']} "
                    f"({o['proposal__fiscal_year__year']}) tahap {o['stage']}%",
                    "berkas sama" if c["sha256"] == o["sha256"] else "hash perseptual mirip",
                )
                for o, c in found
            ),
            links=[pair for o, c in found for pair in (photo_link(c), photo_link(o))]
            + [site_link(code) for code in others],
            facts={"pairs": [[o["id"], c["id"]] for o, c in found]},
        )


@rule("photo_before_decree", "Foto diambil sebelum SK penetapan lokasi")
def photo_before_decree(ctx):
    """A progress photo whose EXIF time is before the date the site was first designated by
    an SK Camat: the work cannot have been photographed before it was decided (for a 0% photo
    it may be an old picture used again)."""
    first_decreed = dict(
        DecreeLocation.objects.filter(
            decree__state__in=[Decree.State.ISSUED, Decree.State.REVOKED],
            decree__decree_date__isnull=False,
        )
        .values("proposal_id")
        .annotate(first=Min("decree__decree_date"))
        .values_list("proposal_id", "first")
        .order_by()
    )
    rows = (
        kept_photos(ctx)
        .filter(taken_at__isnull=False)
        .values(*PHOTO_FIELDS)
        .order_by("proposal_id", "id")
    )
    by_site = defaultdict(list)
    for photo in rows:
        decreed = first_decreed.get(photo["proposal_id"])
        if decreed and timezone.localtime(photo["taken_at"]).date() < decreed:
            photo["decreed"] = decreed
            by_site[photo["proposal_id"]].append(photo)
    for proposal_id, found in by_site.items():
        first = found[0]
        yield site_flag(
            proposal_id,
            first,
            f"{len(found)} foto diambil sebelum SK ({first['decreed']:%d-%m-%Y})",
            figures=[("Tanggal SK pertama", f"{first['decreed']:%d-%m-%Y}")],
            listed=(
                (f"Foto {p['stage']}%", f"{timezone.localtime(p['taken_at']):%d-%m-%Y %H:%M}")
                for p in found
            ),
            links=[photo_link(p) for p in found],
            facts={"photos": [[p["id"], p["taken_at"]] for p in found]},
        )
