from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Usulan kegiatan"

    def ready(self):
        from bangkit.models import register_audit_actions
        from proposals.services import AUDIT_ACTIONS
        from proposals.states import Transition

        register_audit_actions(AUDIT_ACTIONS)
        # Every step of the lifecycle is audited as "proposal_<transition>".
        register_audit_actions(
            {f"proposal_{t.value}": f"Tahap usulan: {t.label}" for t in Transition}
        )
