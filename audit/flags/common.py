"""Small pieces the rules share: links to records, figures in words, grouping."""

from __future__ import annotations

from decimal import Decimal

from audit.flags.registry import link
from bangkit.money import number_text, rupiah

# A flag lists at most this many records; the figures count them all.
MAX_LINKS = 12


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
