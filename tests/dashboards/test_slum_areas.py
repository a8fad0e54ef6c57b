"""Slum areas (bangkit.SlumArea): the year a designation holds from, and its admin for Bappeda."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangkit.models import SlumArea


def test_a_designation_holds_from_its_year(city):
    area = SlumArea(
        kelurahan=city.kelurahan["A1"],
        hectares=Decimal("3"),
        decree_number="1/2020",
        decree_year=2020,
    )
    assert area.from_year == 2020 and area.holds_in(2020) and not area.holds_in(2019)
    area.valid_from_year = 2021
    area.valid_until_year = 2023
    assert not area.holds_in(2020) and area.holds_in(2021) and area.holds_in(2023)
    assert not area.holds_in(2024)


def test_an_end_before_the_start_is_refused(city):
    area = SlumArea(
        kelurahan=city.kelurahan["A1"],
        hectares=Decimal("3"),
        decree_number="1/2020",
        decree_year=2020,
        valid_until_year=2019,
    )
    with pytest.raises(ValidationError) as refused:
        area.full_clean()
    assert "valid_until_year" in refused.value.message_dict


def test_bappeda_adds_a_slum_area_in_the_admin_and_the_inspektorat_only_reads(client, city):
    client.force_login(city.users["bappeda"])
    response = client.post(
        reverse("admin:bangkit_slumarea_add"),
        {
            "kelurahan": city.kelurahan["A2"].pk,
            "hectares": "7.25",
            "decree_number": "166/2016",
            "decree_year": "2016",
            "valid_from_year": "2017",
            "valid_until_year": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = SlumArea.objects.get(kelurahan=city.kelurahan["A2"], decree_number="166/2016")
    assert area.hectares == Decimal("7.25") and area.from_year == 2017
    client.force_login(city.users["inspektorat"])
    assert client.get(reverse("admin:bangkit_slumarea_changelist")).status_code == 200
    assert client.get(reverse("admin:bangkit_slumarea_add")).status_code == 403
