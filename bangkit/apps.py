from django.apps import AppConfig


class BangkitConfig(AppConfig):
    name = "bangkit"
    verbose_name = "Inti: wilayah, pengguna, tahun anggaran"
