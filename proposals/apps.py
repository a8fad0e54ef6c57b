from django.apps import AppConfig

AUDIT_ACTIONS = {
    "proposal_create": "Usulan dibuat",
    "proposal_update": "Usulan diubah",
    "proposal_admin_edit": "Usulan diubah lewat admin",
    "attachment_add": "Lampiran diunggah",
    "attachment_remove": "Lampiran dihapus",
    "citizen_support": "Dukungan warga dicatat",
    "musrenbang_admin_edit": "Usulan Musrenbang diubah lewat admin",
    "musrenbang_import": "Impor usulan Musrenbang",
}


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Usulan kegiatan"

    def ready(self):
        from bangkit.models import register_audit_actions
        from proposals.states import Transition

        register_audit_actions(AUDIT_ACTIONS)
        # Every step of the lifecycle is audited as "proposal_<transition>".
        register_audit_actions(
            {f"proposal_{t.value}": f"Tahap usulan: {t.label}" for t in Transition}
        )
