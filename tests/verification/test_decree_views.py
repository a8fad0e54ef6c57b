"""Decree screens: who sees which decree, issuing from the page, downloads, the public SK page."""

import errno
import hashlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from bangkit.models import Role
from proposals.models import State
from tests.factories import make_user
from tests.verification.test_decrees import make_site, sk  # noqa: F401 F811 - fixtures
from verification.decrees import amendments
from verification.decrees import services as decrees
from verification.models import Amendment, Decree

# The answer on the confirmation page that issuing asks first.
CONFIRM = {"confirm": "1"}


def _draft(world, sites):
    return decrees.decree_create_draft(
        actor=world.users["camat"],
        kecamatan=world.kecamatan,
        fiscal_year=world.fiscal_year,
        proposals=sites,
    )


@pytest.fixture
def issued(sk, make_site):  # noqa: F811
    sk.envelope(500_000_000)
    return decrees.decree_issue(
        actor=sk.users["camat"],
        decree=_draft(sk, [make_site(cost=30_000_000), make_site("kenali", cost=45_500_000)]),
    )


def test_the_list_needs_a_sign_in(client, db):
    response = client.get(reverse("verification:decree_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_camat_lists_only_his_kecamatans_decrees(client, sk, make_site, issued):  # noqa: F811
    sk.envelope(500_000_000, kecamatan=sk.kecamatan_other)
    other = decrees.decree_create_draft(
        actor=sk.users["camat_other"],
        kecamatan=sk.kecamatan_other,
        fiscal_year=sk.fiscal_year,
        proposals=[make_site("lain")],
    )
    client.force_login(sk.users["camat"])

    response = client.get(reverse("verification:decree_list"), {"tahun": 2026})

    assert response.status_code == 200
    assert [d.pk for d in response.context["decrees"]] == [issued.pk]
    assert issued.number in response.content.decode()
    assert other.public_id not in response.content.decode()


def test_bappeda_lists_every_kecamatan_and_can_filter(client, sk, make_site, issued):  # noqa: F811
    other = decrees.decree_create_draft(
        actor=sk.users["camat_other"],
        kecamatan=sk.kecamatan_other,
        fiscal_year=sk.fiscal_year,
        proposals=[make_site("lain")],
    )
    client.force_login(sk.users["bappeda"])

    everything = client.get(reverse("verification:decree_list"), {"tahun": 2026})
    filtered = client.get(
        reverse("verification:decree_list"), {"tahun": 2026, "kecamatan": sk.kecamatan_other.pk}
    )

    assert {d.pk for d in everything.context["decrees"]} == {issued.pk, other.pk}
    assert [d.pk for d in filtered.context["decrees"]] == [other.pk]
    row = next(d for d in everything.context["decrees"] if d.pk == issued.pk)
    assert row.location_count == 2 and row.total == 75_500_000
    assert "Rp 75.500.000" in everything.content.decode()


def test_the_list_runs_a_fixed_number_of_queries(
    client,
    sk,  # noqa: F811
    make_site,  # noqa: F811
    django_assert_num_queries,
):
    sk.envelope(5_000_000_000)
    for _ in range(3):
        decrees.decree_issue(
            actor=sk.users["camat"], decree=_draft(sk, [make_site(), make_site("kenali")])
        )
    _draft(sk, [make_site()])
    client.force_login(sk.users["bappeda"])
    url = reverse("verification:decree_list")
    client.get(url, {"tahun": 2026})  # warm the session and content-type caches

    # session, user, fiscal years, kecamatan options, the decrees with their sums
    with django_assert_num_queries(5):
        response = client.get(url, {"tahun": 2026})
    assert len(response.context["decrees"]) == 4


def test_the_detail_shows_locations_sum_and_actions(client, sk, make_site):  # noqa: F811
    draft = _draft(sk, [make_site(cost=30_000_000), make_site("kenali", cost=12_345_000)])
    client.force_login(sk.users["camat"])

    response = client.get(reverse("verification:decree_detail", args=[draft.public_id]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Sipin Uji" in body and "Kenali Uji" in body
    assert "Rp 42.345.000" in body
    assert reverse("verification:decree_issue", args=[draft.public_id]) in body
    assert "KESATU" in body and "Kecamatan Uji SK" in body


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("verification:decree_detail", "get"),
        ("verification:decree_preview", "get"),
        ("verification:decree_edit", "get"),
        ("verification:decree_issue", "post"),
        ("verification:decree_pdf", "get"),
        ("verification:decree_amend", "post"),
        ("verification:decree_delete", "post"),
    ],
)
def test_a_camat_of_another_kecamatan_gets_not_found(client, sk, make_site, name, method):  # noqa: F811
    sk.envelope(500_000_000)
    draft = _draft(sk, [make_site()])
    client.force_login(sk.users["camat_other"])

    response = getattr(client, method)(reverse(name, args=[draft.public_id]))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == Decree.State.DRAFT


def test_lower_levels_do_not_see_drafts(client, sk, make_site, issued):  # noqa: F811
    draft = _draft(sk, [make_site()])
    client.force_login(sk.users["lurah"])

    assert (
        client.get(reverse("verification:decree_detail", args=[draft.public_id])).status_code == 404
    )
    assert (
        client.get(reverse("verification:decree_detail", args=[issued.public_id])).status_code
        == 200
    )


def test_the_camat_creates_edits_previews_and_issues_a_draft(client, sk, make_site):  # noqa: F811
    sk.envelope(500_000_000)
    a, b = make_site(), make_site("kenali")
    client.force_login(sk.users["camat"])

    page = client.get(reverse("verification:decree_create"), {"tahun": 2026, "usulan": [a.pk]})
    assert page.status_code == 200 and a.code in page.content.decode()
    created = client.post(
        reverse("verification:decree_create") + "?tahun=2026",
        {"proposals": [a.pk, b.pk], "signatory_rank": "Pembina Tingkat I (IV/b)"},
    )
    decree = Decree.objects.get()
    assert created.status_code == 302 and decree.public_id in created["Location"]
    assert decree.signatory_rank == "Pembina Tingkat I (IV/b)"

    form = client.get(reverse("verification:decree_edit", args=[decree.public_id]))
    data = {
        k: v for k, v in form.context["form"].initial.items() if k not in ("proposals", "amends")
    }
    data.update(
        title="Penetapan Lokasi Bangkit Berdaya Tahap I Tahun 2026",
        decree_date="2026-03-12",
        proposals=[a.pk],
        paper="A4",
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    saved = client.post(reverse("verification:decree_edit", args=[decree.public_id]), data)
    assert saved.status_code == 302, saved.context["form"].errors
    decree.refresh_from_db()
    assert decree.title.endswith("Tahap I Tahun 2026") and decree.paper == "A4"
    assert list(decree.locations.values_list("proposal_id", flat=True)) == [a.pk]

    preview = client.get(reverse("verification:decree_preview", args=[decree.public_id]))
    assert preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF")

    issued = client.post(reverse("verification:decree_issue", args=[decree.public_id]), CONFIRM)
    assert issued.status_code == 302
    decree.refresh_from_db()
    assert decree.state == Decree.State.ISSUED and decree.number == "1/SK/BB/KEC.USK/2026"
    assert str(decree.decree_date) == "2026-03-12"


def test_issuing_asks_first_with_the_sites_the_money_and_what_follows(client, sk, make_site):  # noqa: F811
    sk.envelope(500_000_000)
    draft = _draft(sk, [make_site(cost=30_000_000), make_site("kenali", cost=12_345_000)])
    client.force_login(sk.users["camat"])
    url = reverse("verification:decree_issue", args=[draft.public_id])

    response = client.post(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Yang akan terjadi" in body and "Ya, tetapkan SK" in body
    assert "2 lokasi ditetapkan" in body and "Rp 42.345.000" in body
    assert "Sipin Uji" in body and "Kenali Uji" in body
    assert f'action="{url}"' in body and '<input type="hidden" name="confirm" value="1">' in body
    draft.refresh_from_db()
    assert draft.state == Decree.State.DRAFT and not draft.number

    assert client.post(url, CONFIRM).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Decree.State.ISSUED


def test_a_refused_issue_lists_the_reasons_and_changes_nothing(client, sk, make_site):  # noqa: F811
    sk.envelope(40_000_000)
    a, b = make_site(cost=30_000_000), make_site("kenali", cost=30_000_000)
    draft = _draft(sk, [a, b])
    client.force_login(sk.users["camat"])

    response = client.post(reverse("verification:decree_issue", args=[draft.public_id]), CONFIRM)

    assert response.status_code == 409
    body = response.content.decode()
    assert "SK belum dapat ditetapkan" in body and "Pagu Kecamatan Uji SK" in body
    assert "terlampaui" in body
    draft.refresh_from_db()
    a.refresh_from_db()
    assert draft.state == Decree.State.DRAFT and a.state == State.KECAMATAN_VERIFIED


def test_a_read_only_media_disk_refuses_the_issue_with_a_message_not_a_500(
    client,
    sk,  # noqa: F811
    make_site,  # noqa: F811
    media_files,
    media_fails,
):
    sk.envelope(500_000_000)
    draft = _draft(sk, [make_site()])
    documents = media_files()  # the site's own, uploaded on its way to the verification
    client.force_login(sk.users["camat"])
    media_fails(errno.EROFS)

    response = client.post(reverse("verification:decree_issue", args=[draft.public_id]), CONFIRM)

    assert response.status_code == 409  # a refusal, as every refused issue
    body = response.content.decode()
    assert "tidak dapat disimpan: penyimpanan berkas di server sedang tidak dapat ditulisi" in body
    draft.refresh_from_db()
    assert draft.state == Decree.State.DRAFT
    assert media_files() - documents == set()


def test_the_stored_pdf_is_served_unchanged(client, sk, issued):  # noqa: F811
    stored = issued.pdf.read()
    client.force_login(sk.users["bappeda"])

    response = client.get(reverse("verification:decree_pdf", args=[issued.public_id]))
    served = b"".join(response.streaming_content)

    assert response["Content-Type"] == "application/pdf"
    assert served == stored
    assert hashlib.sha256(served).hexdigest() == issued.pdf_sha256
    # The preview of an issued decree is its stored file, never a new rendering.
    preview = client.get(reverse("verification:decree_preview", args=[issued.public_id]))
    assert preview.status_code == 302 and preview["Location"].endswith("/unduh/")


def test_the_public_page_shows_an_issued_decree_and_its_hash(client, issued):
    response = client.get(reverse("sk:public", args=[issued.public_id]))

    body = response.content.decode()
    assert response.status_code == 200
    assert issued.number in body and "Uji SK" in body
    assert "Sipin Uji" in body and "Kenali Uji" in body and "RT 01" in body
    assert "Rp 75.500.000" in body
    assert "pindai kode qr" in body.lower() and "bandingkan" in body.lower()
    issued.pdf.open("rb")
    assert hashlib.sha256(issued.pdf.read()).hexdigest() in body
    download = client.get(reverse("sk:public_pdf", args=[issued.public_id]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == issued.pdf_sha256


def test_a_decree_recorded_without_its_file_offers_no_download(client, issued):
    """The ten-year demo data records decrees without their PDF: no empty fingerprint, no
    button to a 404."""
    type(issued).objects.filter(pk=issued.pk).update(pdf="", pdf_sha256="")
    body = client.get(reverse("sk:public", args=[issued.public_id])).content.decode()
    assert issued.number in body
    assert reverse("sk:public_pdf", args=[issued.public_id]) not in body
    assert "Sidik jari (SHA-256)" not in body
    assert "tidak tersimpan di aplikasi" in body and "pindai kode qr" in body.lower()


def test_the_public_page_does_not_show_drafts(client, sk, make_site):  # noqa: F811
    draft = _draft(sk, [make_site()])

    assert client.get(reverse("sk:public", args=[draft.public_id])).status_code == 404
    assert client.get(reverse("sk:public_pdf", args=[draft.public_id])).status_code == 404
    assert client.get(reverse("sk:public", args=["tidak-ada"])).status_code == 404


def test_an_amendment_from_the_page_and_the_chain_on_both_pages(client, sk, make_site, issued):  # noqa: F811
    client.force_login(sk.users["camat"])

    response = client.post(
        reverse("verification:decree_amend", args=[issued.public_id]),
        {"reason": "Satu lokasi tambahan menyusul diverifikasi"},
    )
    amendment = Decree.objects.get(amends=issued)
    assert response.status_code == 302 and amendment.public_id in response["Location"]
    client.post(reverse("verification:decree_issue", args=[amendment.public_id]), CONFIRM)
    amendment.refresh_from_db()
    assert amendment.state == Decree.State.ISSUED

    detail = client.get(reverse("verification:decree_detail", args=[issued.public_id]))
    assert [d.pk for d in detail.context["chain"]] == [issued.pk, amendment.pk]
    public = client.get(reverse("sk:public", args=[issued.public_id])).content.decode()
    assert "tidak berlaku lagi" in public and amendment.number in public


def test_a_site_change_from_the_page(client, sk, issued):  # noqa: F811
    site = issued.locations.first().proposal
    client.force_login(sk.users["camat"])
    url = reverse("verification:decree_site_amend", args=[issued.public_id, site.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"field": "volume", "new_value": "80", "reason": "Sebagian gang sudah dicor warga"}
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.planned_volume == 80
    detail = client.get(reverse("verification:decree_detail", args=[issued.public_id]))
    assert "Sebagian gang sudah dicor warga" in detail.content.decode()
    client.force_login(sk.users["camat_other"])
    assert client.get(url).status_code == 404


def test_the_admin_shows_decrees_read_only_and_lets_bappeda_edit_templates(client, sk, issued):  # noqa: F811
    from verification.models import DecreeTemplate

    template = DecreeTemplate.objects.get(fiscal_year=sk.fiscal_year)
    client.force_login(sk.users["bappeda"])
    change_decree = reverse("admin:verification_decree_change", args=[issued.pk])
    change_template = reverse("admin:verification_decreetemplate_change", args=[template.pk])

    assert client.get(reverse("admin:verification_decree_changelist")).status_code == 200
    page = client.get(change_decree)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(change_decree, {"title": "Diubah"}).status_code == 403
    assert client.get(change_template).context["has_change_permission"]
    assert client.get(reverse("admin:verification_amendment_changelist")).status_code == 200

    client.force_login(sk.users["inspektorat"])
    assert not client.get(change_template).context["has_change_permission"]
    client.force_login(sk.users["admin"])
    assert not client.get(change_decree).context["has_change_permission"]


def _pdf_text(decree) -> str:
    decree.pdf.open("rb")
    reader = PdfReader(io.BytesIO(decree.pdf.read()))
    return " ".join("".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def amended(sk, make_site):  # noqa: F811
    """An SK issued for 75 m and Rp 30.000.000 at Gang Kenanga, then amended three times."""
    sk.envelope(500_000_000)
    site = make_site(
        cost=30_000_000,
        planned_volume=Decimal("75"),
        location_description="Gang Kenanga, depan rumah Pak Darmawan",
    )
    decree = decrees.decree_issue(
        actor=sk.users["camat"], decree=_draft(sk, [site, make_site("kenali")])
    )
    camat = sk.users["camat"]
    changes = [
        ("volume", "68", "Tujuh meter sudah dicor warga sebelum pekerjaan dimulai"),
        ("budget", "27.000.000", "Harga semen turun setelah survei toko"),
        ("location", "Gang Kenanga ujung timur", "Ujung barat ternyata sudah beraspal"),
    ]
    for field, value, reason in changes:
        amendments.site_amend(
            actor=camat, proposal=site, field=field, new_value=value, reason=reason
        )
    site.refresh_from_db()
    return decree, site


def test_the_public_page_shows_the_decree_as_issued_and_its_later_changes_apart(client, amended):
    decree, site = amended
    assert site.planned_volume == 68 and site.designated_budget == 27_000_000
    pdf = _pdf_text(decree)
    assert "75 m × 1,5 m" in pdf and "30.000.000" in pdf  # what the genuine PDF says

    response = client.get(reverse("sk:public", args=[decree.public_id]))
    body = response.content.decode()
    annex, changes = body.split("Perubahan setelah SK ditetapkan", 1)

    assert response.status_code == 200
    # The annex as issued: what the PDF says, not the amended site.
    assert "75 m × 1,5 m" in annex and "Rp 30.000.000" in annex
    assert "68 m" not in annex and "Rp 27.000.000" not in annex
    # The changes, dated, with the site, the field, old → new and the public reason.
    amendment_date = date_format(
        timezone.localtime(Amendment.objects.filter(proposal=site).first().created_at), "j F Y"
    )
    assert amendment_date in changes
    assert site.code in changes and f"{site.rt.label}, Kelurahan Sipin Uji" in changes
    assert "Volume" in changes and "75 m → 68 m" in changes
    assert "Tujuh meter sudah dicor warga sebelum pekerjaan dimulai" in changes
    assert "Anggaran" in changes and "Rp 30.000.000 → Rp 27.000.000" in changes
    assert "Lokasi" in changes and "uraian lokasi semula → uraian lokasi baru" in changes
    # Nothing personal: no resident named in a location text, no official's name.
    for personal in ("Darmawan", "Gang Kenanga ujung timur", "Hasan", "Rambe", "camat-uji-sk"):
        assert personal not in body, personal
    assert "bila ada yang berbeda, salinan itu tidak sah" in body


def test_a_decree_without_changes_says_so(client, issued):
    body = client.get(reverse("sk:public", args=[issued.public_id])).content.decode()

    assert "Belum ada perubahan lokasi, volume atau anggaran sejak SK ini ditetapkan." in body


def test_the_amending_decree_states_the_amended_site_and_lists_only_its_own_changes(
    client,
    sk,  # noqa: F811
    amended,
):
    decree, site = amended
    draft = amendments.decree_amend(
        actor=sk.users["camat"], decree=decree, reason="Volume dan anggaran lokasi berubah"
    )
    replacement = decrees.decree_issue(actor=sk.users["camat"], decree=draft)

    old_page = client.get(reverse("sk:public", args=[decree.public_id])).content.decode()
    new_page = client.get(reverse("sk:public", args=[replacement.public_id])).content.decode()

    assert "75 m × 1,5 m" in old_page and "75 m → 68 m" in old_page
    annex = new_page.split("Perubahan setelah SK ditetapkan", 1)[0]
    assert "68 m × 1,5 m" in annex and "Rp 27.000.000" in annex
    assert "75 m → 68 m" not in new_page
    assert "68 m × 1,5 m" in _pdf_text(replacement)


def test_the_staff_detail_shows_the_annex_as_issued_with_the_changes(client, sk, amended):  # noqa: F811
    decree, site = amended
    client.force_login(sk.users["bappeda"])

    body = client.get(reverse("verification:decree_detail", args=[decree.public_id]))
    html = body.content.decode()

    assert "75 m × 1,5 m" in html and "Gang Kenanga, depan rumah Pak Darmawan" in html
    assert "Perubahan setelah SK ditetapkan" in html
    assert "75 m → 68 m" in html and "Gang Kenanga ujung timur" in html  # staff see the text


def test_the_admin_never_changes_an_issued_decree_or_its_annex(client, issued):
    root = make_user(Role.ADMIN, username="root-sk", is_superuser=True)
    client.force_login(root)
    url = reverse("admin:verification_decree_change", args=[issued.pk])

    page = client.get(url)
    html = page.content.decode()
    response = client.post(url, {"title": "Diubah", "locations-TOTAL_FORMS": "0"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert 'name="_save"' not in html and 'name="locations-0-budget"' not in html
    assert "120 m × 1,5 m" in html  # the annex as issued
    assert response.status_code == 403
    issued.refresh_from_db()
    assert issued.title != "Diubah"
    assert [loc.budget for loc in issued.locations.order_by("position")] == [
        30_000_000,
        45_500_000,
    ]
