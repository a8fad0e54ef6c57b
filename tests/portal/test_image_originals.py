# ruff: noqa: F811  (pytest fixtures imported from the reporting tests are redefined as arguments)
"""No page sends an image's full-size original: every picture on the proposal page (the
dossier), the edit page, the flow's documents step and the reporting pages is a display copy or
a thumbnail; the original is reachable only through an explicit "Unduh asli" link."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from proposals import services as proposal_services
from proposals.models import Attachment, Proposal
from reporting import services as reporting_services
from reporting.models import ProgressPhoto
from tests.factories.lifecycle import copies_made
from tests.proposals.test_attachment_images import photo, upload
from tests.reporting.conftest import make_site, photo_bytes, world  # noqa: F401  (fixtures)

URL_ATTRIBUTES = ("src", "href", "srcset", "data-src", "poster", "data-thumbnail")
ORIGINAL_VIEWS = {"proposals:attachment", "reporting:photo_original"}
COPY_VIEWS = {
    "proposals:attachment_display",
    "proposals:attachment_thumbnail",
    "reporting:photo_display",
    "reporting:photo_thumbnail",
}


class Links(HTMLParser):
    """Every URL in a page, with the tag, its attributes and the text of an <a>."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []
        self._open_a: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in URL_ATTRIBUTES:
            for value in (attrs.get(name) or "").split(","):
                if value.strip():
                    link = {"tag": tag, "attr": name, "url": value.split()[0], "attrs": attrs}
                    link["text"] = ""
                    self.found.append(link)
                    if tag == "a":
                        self._open_a = link

    def handle_data(self, data):
        if self._open_a is not None:
            self._open_a["text"] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open_a = None


def view_of(url: str):
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return None, {}
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None, {}
    return match.view_name, match.kwargs


def originals_sent(html: str) -> tuple[list[str], dict]:
    """(the problems found, how many copies and explicit original links the page has)."""
    parser = Links()
    parser.feed(html)
    problems, seen = [], {"copies": 0, "download_original": 0}
    for link in parser.found:
        if link["url"].startswith("/media/"):
            problems.append(f"<{link['tag']} {link['attr']}> points into media: {link['url']}")
            continue
        name, kwargs = view_of(link["url"])
        if name in COPY_VIEWS:
            seen["copies"] += 1
        if name not in ORIGINAL_VIEWS:
            continue
        if name == "proposals:attachment":
            attachment = Attachment.objects.get(pk=kwargs["pk"])
            if not attachment.is_image:
                continue  # a PDF is its own document
        explicit = (
            link["tag"] == "a"
            and link["attr"] == "href"
            and "data-original" in link["attrs"]
            and link["text"].strip() == "Unduh asli"
        )
        if explicit:
            seen["download_original"] += 1
        else:
            problems.append(f"<{link['tag']} {link['attr']}={link['url']}> sends an original")
    return problems, seen


def add_documents(proposal, user):
    """Three image documents, with the copies the worker makes after their upload."""
    with copies_made():
        for name, seed in (("depan.jpg", "a"), ("belakang.jpg", "b")):
            proposal_services.attachment_add(
                proposal=proposal,
                actor=user,
                kind="site_photo",
                upload=upload(photo(size=(2000, 1500), seed=seed), name),
            )
        proposal_services.attachment_add(
            proposal=proposal,
            actor=user,
            kind="other",
            upload=upload(photo("PNG", (900, 600)), "denah.png", "image/png"),
        )


def check(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    problems, seen = originals_sent(response.content.decode())
    assert problems == [], url
    return seen


@pytest.fixture
def draft(world, make_site):
    proposal = make_site(state="draft", orders=False, decree_date=None)
    add_documents(proposal, world.users["rt"])
    return proposal


@pytest.fixture
def in_progress(world, make_site):
    proposal = make_site(state="draft")
    add_documents(proposal, world.users["rt"])
    Proposal.objects.filter(pk=proposal.pk).update(state="in_progress")
    proposal.refresh_from_db()
    for stage in (0, 50):
        with copies_made():
            reporting_services.photo_add(
                proposal=proposal,
                actor=world.users["rt"],
                stage=stage,
                upload=upload(photo_bytes(stage=stage, size=(1200, 900))),
            )
    return proposal


def test_the_drafts_pages_show_copies_and_link_the_originals_explicitly(client, world, draft):
    rt = world.users["rt"]
    pages = [
        reverse("proposals:detail", args=[draft.code]),
        reverse("proposals:edit", args=[draft.code]),
        reverse("flow:dokumen", args=[draft.code]),
    ]

    for url in pages:
        seen = check(client, rt, url)
        assert seen["copies"] >= 3, url  # three image documents, each as a thumbnail
        assert seen["download_original"] == 3, url


def test_the_dossier_and_reporting_pages_never_send_an_original(client, world, in_progress):
    assert ProgressPhoto.objects.count() == 2
    rt, lurah, inspektorat = (world.users[k] for k in ("rt", "lurah", "inspektorat"))
    dossier = reverse("proposals:detail", args=[in_progress.code])
    walks = [
        (rt, dossier),
        (lurah, dossier),
        (inspektorat, dossier),
        (rt, reverse("reporting:site", args=[in_progress.pk])),
        (rt, reverse("reporting:photo_upload", args=[in_progress.pk])),
        (rt, reverse("reporting:review", args=[in_progress.pk])),
        (lurah, reverse("reporting:site", args=[in_progress.pk])),
        (lurah, reverse("reporting:review", args=[in_progress.pk])),
        (inspektorat, reverse("reporting:review", args=[in_progress.pk])),
    ]

    for user, url in walks:
        seen = check(client, user, url)
        assert seen["copies"] >= 2, (user.username, url)
    assert check(client, lurah, dossier)["copies"] >= 5  # 3 documents + 2 progress photos


def test_the_checker_finds_an_image_original_sent_as_a_picture(world, draft):
    image = draft.attachments.filter(content_type="image/jpeg").first()
    original = reverse("proposals:attachment", args=[draft.code, image.pk])

    problems, _ = originals_sent(f'<a href="{original}"><img src="{original}"></a>')

    assert len(problems) == 2
    assert originals_sent(f'<a href="{original}" data-original>Unduh asli</a>')[0] == []
    assert originals_sent('<img src="/media/proposals/x.jpg">')[0]
