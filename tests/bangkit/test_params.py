"""The one reader of query-string parameters: junk reads as absent (or a 404), never a 500."""

import ast
from pathlib import Path

import pytest
from django.http import Http404
from django.test import RequestFactory

from bangkit.params import (
    query_choice,
    query_int,
    query_ints,
    query_page,
    query_params,
    query_present,
    query_text,
    query_year,
)

JUNK_NUMBERS = ["²", "٣", "abc", "-1", "1e3", "1.0", "1e309", "NaN", "9" * 10, "x" * 5000, "kel-²"]
ROOT = Path(__file__).resolve().parents[2]


def get(query=None):
    return RequestFactory().get("/", query or {})


def test_query_int_reads_short_ascii_digits():
    assert query_int(get({"n": " 42 "}), "n") == 42
    assert query_int(get({"n": "0"}), "n") == 0
    assert query_int(get({"n": "123456789"}), "n") == 123_456_789


@pytest.mark.parametrize("junk", JUNK_NUMBERS)
def test_query_int_reads_junk_as_the_default(junk):
    assert query_int(get({"n": junk}), "n") is None
    assert query_int(get({"n": junk}), "n", default=7) == 7


def test_query_int_absent_or_blank_is_the_default_even_with_or_404():
    assert query_int(get(), "n", or_404=True) is None
    assert query_int(get({"n": "  "}), "n", default=3, or_404=True) == 3


@pytest.mark.parametrize("junk", JUNK_NUMBERS)
def test_query_int_with_or_404_refuses_junk(junk):
    with pytest.raises(Http404):
        query_int(get({"n": junk}), "n", or_404=True)


def test_query_year_takes_four_digits():
    assert query_year(get({"tahun": "2026"})) == 2026
    for junk in ["²⁰²⁶", "20260", "99999999999999999999", "2026-01", ""]:
        assert query_year(get({"tahun": junk})) is None
    with pytest.raises(Http404):
        query_year(get({"tahun": "²"}), or_404=True)
    assert query_year(get({"tahun": "2026"}), name="tahun", or_404=True) == 2026


def test_query_page_is_none_for_junk_so_the_paginator_opens_the_first_page():
    assert query_page(get({"hal": "3"})) == 3
    assert query_page(get({"halaman": "2"}), "halaman") == 2
    for junk in JUNK_NUMBERS:
        assert query_page(get({"hal": junk})) is None


def test_query_ints_keeps_the_numbers_in_order():
    request = get({"usulan": ["5", "²", "abc", "9" * 20, " 2 ", "-1"]})
    assert query_ints(request, "usulan") == [5, 2]
    assert query_ints(get(), "usulan") == []


def test_query_choice_takes_only_a_listed_value_exactly():
    choices = ["draft", "issued"]
    assert query_choice(get({"status": "issued"}), "status", choices) == "issued"
    assert query_choice(get({"status": "ISSUED"}), "status", choices) is None
    assert query_choice(get({"status": " issued"}), "status", choices, default="") == ""
    assert query_choice(get(), "status", choices, default="x") == "x"
    assert query_choice(get({"s": "a"}), "s", (c for c in "abc")) == "a"  # any iterable


def test_query_text_is_stripped_and_cut():
    assert query_text(get({"q": "  gang melati "}), "q") == "gang melati"
    assert query_text(get({"q": "x" * 5000}), "q") == "x" * 100
    assert query_text(get({"q": "x" * 50}), "q", max_length=10) == "x" * 10
    assert query_text(get(), "q") == ""


def test_query_params_holds_only_the_named_parameters_sent():
    request = get({"kecamatan": " telanaipura ", "halaman": "2", "other": "x"})
    assert query_params(request, ["kecamatan", "kelurahan"]) == {"kecamatan": "telanaipura"}
    assert query_params(get({"kelurahan": ""}), ["kelurahan"]) == {"kelurahan": ""}


def test_query_present_tells_a_blank_parameter_from_an_absent_one():
    assert query_present(get({"tahap": ""}), "tahap")
    assert not query_present(get(), "tahap")


def _reads_of_request_get(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "GET"
        and isinstance(node.value, ast.Name | ast.Attribute)
    ]


def test_no_module_but_the_parser_reads_the_query_string():
    # The NUL guard looks at every parameter's raw text, before any view runs.
    allowed = {"bangkit/params.py", "bangkit/middleware.py"}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or relative in allowed:
            continue
        found += [f"{relative}:{line}" for line in _reads_of_request_get(path)]
    assert not found, f"read request.GET through bangkit.params instead: {found}"
