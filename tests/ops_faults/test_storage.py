"""Media storage unreachable or full: the upload is refused with a message naming the file,
no record is written, and once storage is back the same upload goes through. (A full or
read-only local disk is covered where each upload is tested: tests/proposals/test_views.py,
tests/reporting/test_views.py, tests/verification/test_decrees.py, with `media_fails`.)"""

import socket

import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangkit import storage as stored_files
from bangkit.models import Role
from proposals.models import Attachment
from tests import factories
from tests.factories.lifecycle import ProposalFactory, actor_for


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def unreachable_object_store(local: dict) -> dict:
    """STORAGES with media on an S3 endpoint that refuses connections (the store down)."""
    return {
        **local,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "bangkit-media",
                "endpoint_url": f"http://127.0.0.1:{closed_port()}",
                "region_name": "us-east-1",
                "access_key": "uji",
                "secret_key": "uji-rahasia",
                "file_overwrite": False,
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1),
            },
        },
    }


def upload_letter(client, proposal):
    letter = SimpleUploadedFile("surat.pdf", factories.pdf_bytes(), "application/pdf")
    return client.post(
        reverse("proposals:attachment_upload", args=[proposal.code]),
        {"kind": "proposal_letter", "files": [letter]},
        follow=True,
    )


@pytest.mark.django_db
def test_an_unreachable_object_store_refuses_the_upload_with_a_message(client, settings):
    proposal = ProposalFactory(documents={})
    client.force_login(actor_for(Role.RT, proposal.rt))
    local = settings.STORAGES

    settings.STORAGES = unreachable_object_store(local)
    response = upload_letter(client, proposal)

    assert response.status_code in (200, 409)
    assert (
        "Berkas &#x27;surat.pdf&#x27; tidak dapat disimpan: penyimpanan berkas di server sedang "
        "bermasalah" in response.content.decode()
    )
    assert not Attachment.objects.filter(proposal=proposal).exists()

    # The store is back (here: the local disk again): the same upload goes through.
    settings.STORAGES = local
    assert upload_letter(client, proposal).status_code == 200
    assert Attachment.objects.filter(proposal=proposal).count() == 1


def test_object_store_errors_count_as_storage_refusing_and_bugs_do_not():
    from botocore.exceptions import EndpointConnectionError

    assert stored_files.storage_refused(EndpointConnectionError(endpoint_url="http://s3"))
    assert stored_files.storage_refused(OSError(28, "No space left on device"))
    assert not stored_files.storage_refused(TypeError("a bug"))
