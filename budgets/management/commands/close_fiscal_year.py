"""Close a budget year (or reopen it, with a reason) from the command line, as the given
Bappeda or administrator account: the same service, checks and audit row as the button on the
Pagu page (budgets.services)."""

from django.core.management.base import BaseCommand, CommandError

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear, User
from budgets.services import fiscal_year_close, fiscal_year_reopen


class Command(BaseCommand):
    help = "Tutup (atau buka kembali) tahun anggaran atas nama akun Bappeda atau administrator."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="tahun anggaran")
        parser.add_argument("--user", required=True, help="nama pengguna Bappeda/administrator")
        parser.add_argument("--reopen", action="store_true", help="buka kembali tahun ini")
        parser.add_argument("--reason", default="", help="alasan membuka kembali (wajib)")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"Pengguna '{options['user']}' tidak ada atau tidak aktif.")
        fiscal_year = FiscalYear.objects.filter(year=options["year"]).first()
        if fiscal_year is None:
            raise CommandError(f"Tahun anggaran {options['year']} tidak ada.")
        try:
            if options["reopen"]:
                fiscal_year_reopen(actor=actor, fiscal_year=fiscal_year, reason=options["reason"])
                self.stdout.write(f"Tahun anggaran {fiscal_year.year} dibuka kembali.")
            else:
                fiscal_year_close(actor=actor, fiscal_year=fiscal_year)
                self.stdout.write(
                    f"Tahun anggaran {fiscal_year.year} ditutup; ringkasan dasbor dan ekspor "
                    "pembelian dibangun oleh tugas latar belakang (atau jalankan "
                    "build_dashboard_summary dan build_exports)."
                )
        except ActionRefused as exc:
            raise CommandError(exc.message) from exc
