"""The registry of red-flag rules: each a named, documented function with its thresholds.

A rule is a function ``(ctx) -> Iterable[Raised]`` registered with ``@rule(code, label,
thresholds=...)``; its docstring is what the rule means (shown on the flag's page and in
docs/audit-flags.md). It reads the records in a few aggregate queries for every year at once,
never one query per row. Its thresholds are data per fiscal year (``FlagThreshold``), with
the default declared here when a year has no row.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.urls import NoReverseMatch, reverse

from audit.flags.meanings import MEANINGS


@dataclass(frozen=True)
class Threshold:
    key: str
    label: str
    default: Decimal
    unit: str = ""
    per_work_type: bool = False


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    compute: Callable
    thresholds: tuple[Threshold, ...] = ()

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.compute.__doc__ or "")

    @property
    def meaning(self) -> str:
        """The rule explained in Bahasa Indonesia, for the flag's page (the docstring is
        English, for developers)."""
        return MEANINGS.get(self.code, "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n")[0].replace("\n", " ")


@dataclass
class Raised:
    """A flag as a rule raises it: the subject (a stable key of its records), the figures and
    the records that raised it."""

    subject: str
    year: int | None
    kecamatan_id: int | None
    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    # Identities and values the fingerprint covers besides the figures (records, amounts).
    facts: dict = field(default_factory=dict)

    def evidence(self) -> dict:
        return {
            "figures": [list(pair) for pair in self.figures],
            "links": [list(pair) for pair in self.links],
        }

    def fingerprint(self) -> str:
        payload = json.dumps(
            {"figures": self.figures, "links": [label for label, _ in self.links], **self.facts},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


RULES: dict[str, Rule] = {}
THRESHOLDS: dict[str, Threshold] = {}


def rule(code: str, label: str, *, thresholds: Iterable[Threshold] = ()):
    """Register ``compute`` as the rule ``code``."""

    def register(compute: Callable) -> Callable:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, label, compute, tuple(thresholds))
        for threshold in thresholds:
            THRESHOLDS[threshold.key] = threshold
        return compute

    return register


# A flag may list thousands of records: each route is reversed once, with a placeholder that
# both the int and the str converters accept, and filled in per record.
_PLACEHOLDER = "918273645"


@functools.cache
def _route(viewname: str) -> str:
    try:
        return reverse(viewname, args=[int(_PLACEHOLDER)])
    except NoReverseMatch:
        return ""


def link(label: str, viewname: str, arg) -> tuple[str, str]:
    """A record's staff page, as (label, url); the url is empty when the route is unknown."""
    route = _route(viewname)
    return (label, route.replace(_PLACEHOLDER, quote(str(arg), safe="")) if route else "")
