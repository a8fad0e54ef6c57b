from django.apps import AppConfig

AUDIT_ACTIONS = {
    "priority_override_set": "Prioritas ditentukan camat",
    "priority_override_withdraw": "Penentuan prioritas ditarik",
    "decree_create_draft": "Draf SK Camat dibuat",
    "decree_update_draft": "Draf SK Camat diubah",
    "decree_delete_draft": "Draf SK Camat dihapus",
    "decree_issue": "SK Camat ditetapkan",
    "decree_revoke": "SK Camat dicabut",
    "decree_amend": "SK perubahan ditetapkan",
    "site_amend": "Lokasi dalam SK diubah",
}


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verifikasi dan SK Camat"

    def ready(self):
        from bangkit.models import register_audit_actions

        register_audit_actions(AUDIT_ACTIONS)
