"""Small pieces the rules share: links to records, figures in words, grouping."""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

from audit.flags.registry import Raised, link
from bangkit.money import number_text, rupiah

# A flag lists at most this many records; the figures count them all.
MAX_LINKS = 12
# ... and shows the figures of at most this many of them, after its own figures.
MAX_LISTED = 8


def site_link(code: str) -> tuple[str, str]:
    return link(f"Usulan {code}", "proposals:detail", code)


def order_link(pk: int, number: str) -> tuple[str, str]:
    return link(f"Surat Pesanan {number or pk}", "procurement:order", pk)


def supplier_link(pk: int, name: str) -> tuple[str, str]:
    return link(f"Toko {name}", "admin:procurement_supplier_change", pk)


def entry_link(pk: int, title: str) -> tuple[str, str]:
    return link(f"Usulan Musrenbang {title[:60]}", "admin:proposals_musrenbangentry_change", pk)


def percent(value) -> str:
    return f"{Decimal(value):.1f}".replace(".", ",") + "%"


def number(value) -> str:
    return number_text(value)


def money(value) -> str:
    return rupiah(int(value))


def capped(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for pair in links:
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out[:MAX_LINKS]


def listing(figures, listed) -> list[tuple[str, str]]:
    """A flag's own figures, then those of the first ``MAX_LISTED`` of the records it lists."""
    return [*figures, *islice(listed, MAX_LISTED)]


def grouped(rows, key: str, keep) -> dict[object, list[dict]]:
    """The rows that ``keep(row)`` holds for, by their value of ``key``, in the order read."""
    groups: dict[object, list[dict]] = {}
    for row in rows:
        if keep(row):
            groups.setdefault(row[key], []).append(row)
    return groups


def site_fields(via: str = "proposal__") -> tuple[str, ...]:
    """The fields ``site_flag`` reads from a row about a site reached through ``via``."""
    own = f"{via[:-2]}_id" if via else "id"
    return (own, f"{via}code", f"{via}fiscal_year__year", f"{via}kelurahan__kecamatan_id")


def entry_flag(
    entry_id: int, row: dict, title: str, *, via: str = "entry__", figures, facts: dict
) -> Raised:
    """A flag about one Musrenbang entry: ``row`` holds its title, year and kecamatan under
    ``via`` ("" when the row is the entry's own); the entry's page is its link."""
    return Raised(
        subject=f"entry:{entry_id}",
        year=row[f"{via}year"],
        kecamatan_id=row[f"{via}kelurahan__kecamatan_id"],
        title=title,
        figures=figures,
        links=[entry_link(entry_id, row[f"{via}title"])],
        facts=facts,
    )


def site_flag(
    proposal_id: int,
    row: dict,
    title: str,
    *,
    via: str = "proposal__",
    figures: list[tuple[str, str]],
    listed=(),
    links=(),
    facts: dict,
) -> Raised:
    """A flag about one site: ``row`` holds its code, year and kecamatan under ``via`` (""
    when the row is the proposal's own). The title follows "Usulan <code>: "; the figures
    of the first ``MAX_LISTED`` records of ``listed`` follow ``figures``; the site's link
    comes before ``links``, capped."""
    code = row[f"{via}code"]
    return Raised(
        subject=f"proposal:{proposal_id}",
        year=row[f"{via}fiscal_year__year"],
        kecamatan_id=row[f"{via}kelurahan__kecamatan_id"],
        title=f"Usulan {code}: {title}",
        figures=listing(figures, listed),
        links=capped([site_link(code), *links]),
        facts=facts,
    )
