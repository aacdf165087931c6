from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegimensConfig(AppConfig):
    name = "regimens"
    verbose_name = _("Regimens")

    def ready(self):
        # Imported once the app registry is ready: these modules use the models.
        from patients import status, treatment
        from portal.accounts.services import register_account_changed
        from portal.notifications import registry
        from portal.notifications.models import Kind
        from regimens import digest
        from regimens.reminders import dose, pause, step, supply
        from regimens.services.status import (
            clinical_picture_read,
            plan_history_record,
            status_account_changed,
            status_refresh_patient,
        )
        from regimens.treatment import RegimenTreatment

        registry.register_kind(Kind.DOSE, dose)
        registry.register_kind(Kind.STEP, step)
        registry.register_kind(Kind.PAUSE, pause)
        registry.register_kind(Kind.SUPPLY, supply)
        registry.register_digest_section(digest.decisions_due)
        registry.register_digest_section(digest.refills_waiting)
        treatment.register(RegimenTreatment())
        status.register_refresher(status_refresh_patient)
        status.register_history_writer(plan_history_record)
        status.register_picture_reader(clinical_picture_read)
        register_account_changed(status_account_changed)
