from django.apps import AppConfig
from django.core.signals import request_finished


class BangkitConfig(AppConfig):
    name = "bangkit"
    verbose_name = "Inti: wilayah, pengguna, tahun anggaran"

    def ready(self):
        from bangkit import logs, storage

        # A view's own transaction may roll back after a service stored a file.
        request_finished.connect(storage.sweep_after_request, dispatch_uid="bangkit.storage.sweep")
        request_finished.connect(logs.forget_request_id, dispatch_uid="bangkit.logs.forget")
