"""bangkit.middleware: what every request is checked for before a view runs."""

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(f"k{i}=v" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/", "/proyek/", "/dasbor/", "/lacak/"])
def test_too_many_parameters_get_a_400_in_indonesian(client, settings, path, debug):
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters; in DEBUG its error
    page read them again and answered 500."""
    settings.DEBUG = debug
    response = client.get(f"{path}?{TOO_MANY}")
    assert response.status_code == 400
    assert "terlalu banyak parameter" in response.content.decode()


def test_a_nul_in_a_parameter_is_named(client):
    response = client.get("/lacak/?kode=AB%00C")
    assert response.status_code == 400
    assert "Parameter &#x27;kode&#x27;" in response.content.decode()
