from django.apps import AppConfig

AUDIT_ACTIONS = {
    "work_day_add": "Hari kerja dicatat",
    "work_day_update": "Hari kerja diubah",
    "work_day_remove": "Hari kerja dihapus",
    "contribution_add": "Swadaya dicatat",
    "contribution_remove": "Swadaya dihapus",
    "photo_add": "Foto progres diunggah",
    "photo_withdraw": "Foto progres ditarik",
    "report_save": "Laporan penyelesaian disimpan",
    "report_countersign": "Laporan diketahui camat",
    "contractor_parameters_change": "Parameter biaya kontraktor diubah",
}


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Pelaksanaan dan laporan"

    def ready(self):
        from bangkit.models import register_audit_actions

        register_audit_actions(AUDIT_ACTIONS)
