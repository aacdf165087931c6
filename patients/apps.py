from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients")

    def ready(self):
        # Imported once the app registry is ready: these modules use the models.
        from patients import digest
        from patients.reminders import checkin, diary, safety
        from patients.services.care import caregiver_on_invitation_accepted
        from patients.services.profile import patient_on_account_created
        from portal.accounts.services import (
            register_account_created,
            register_invitation_accepted,
        )
        from portal.notifications import registry
        from portal.notifications.models import Kind

        registry.register_kind(Kind.DIARY, diary)
        registry.register_kind(Kind.CHECKIN, checkin)
        registry.register_kind(Kind.SAFETY, safety)
        registry.register_digest_section(digest.new_flags)
        register_account_created(patient_on_account_created)
        register_invitation_accepted(caregiver_on_invitation_accepted)
