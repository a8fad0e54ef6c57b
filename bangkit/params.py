"""The one reader of query-string parameters (and of numbers in a form's hidden fields).

Every view reads ``request.GET`` through these functions, never directly: what is not what a
parameter expects is refused rather than guessed. A junk value reads as the parameter's
default, as if it were absent; with ``or_404`` (a parameter that names a year, an area or an
object) it is a 404 instead: junk names nothing, and guessing another object would be wrong.
"""

from collections.abc import Iterable

from django.http import Http404

# Ids, years and page numbers of this application all fit in nine digits; anything longer is
# junk (and would overflow SQLite's integers, or Python's limit on converting long strings).
MAX_DIGITS = 9
YEAR_DIGITS = 4
# Search words, slugs, tracking codes: none is longer; what is longer is cut.
MAX_TEXT = 100


def plain_int(value, *, max_digits: int = MAX_DIGITS) -> int | None:
    """'2026' → 2026; None for anything that is not 1–max_digits ASCII digits.

    ``str.isdigit()`` alone is not enough: "²" is a digit to it, and ``int("²")`` raises.
    """
    text = str(value if value is not None else "").strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def _raw(request, name: str) -> str | None:
    """The parameter's last value, stripped; None when it is absent or blank."""
    value = request.GET.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def query_present(request, name: str) -> bool:
    """Whether ?name= was sent at all, even blank (a blank filter can mean 'all')."""
    return name in request.GET


def query_int(
    request, name: str, *, max_digits: int = MAX_DIGITS, default=None, or_404: bool = False
):
    """?name= as a whole number of 1–max_digits ASCII digits.

    Absent or blank: ``default``. Anything else that is not such a number: ``default`` too,
    or a 404 with ``or_404``.
    """
    raw = _raw(request, name)
    if raw is None:
        return default
    number = plain_int(raw, max_digits=max_digits)
    if number is None:
        if or_404:
            raise Http404
        return default
    return number


def query_year(request, name: str = "tahun", *, default=None, or_404: bool = False):
    """?tahun= as a four-digit year (see query_int)."""
    return query_int(request, name, max_digits=YEAR_DIGITS, default=default, or_404=or_404)


def query_page(request, name: str = "hal") -> int | None:
    """The page number for ``Paginator.get_page``: None (the first page) when it is junk."""
    return query_int(request, name)


def query_ints(request, name: str, *, max_digits: int = MAX_DIGITS) -> list[int]:
    """Every ?name=…&name=… that is a whole number, in order; the others are left out."""
    numbers = (plain_int(value, max_digits=max_digits) for value in request.GET.getlist(name))
    return [number for number in numbers if number is not None]


def query_choice(request, name: str, choices: Iterable[str], *, default=None):
    """?name= when it is one of ``choices`` (compared exactly), else ``default``."""
    value = request.GET.get(name)
    return value if value is not None and value in tuple(choices) else default


def query_text(request, name: str, *, max_length: int = MAX_TEXT) -> str:
    """?name= as text, stripped and cut to max_length; '' when absent."""
    return (request.GET.get(name) or "").strip()[:max_length]


def query_params(request, names: Iterable[str], *, max_length: int = MAX_TEXT) -> dict[str, str]:
    """The named parameters that were sent, each read as query_text: what a filter form is
    bound to and its pagination links carry."""
    return {
        name: query_text(request, name, max_length=max_length)
        for name in names
        if name in request.GET
    }
