"""Compare every patient's stored status row with a recomputation from scratch."""

from django.core.management.base import BaseCommand, CommandError

from patients.models import Patient
from regimens.services.status import status_refresh_patient, statuses_check


class Command(BaseCommand):
    help = (
        "Check that each patient's status row (triage, the titration queue, Tonight) equals "
        "a recomputation from the records. Prints the ids of rows that differ and exits with "
        "an error if any do; --fix refreshes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Refresh the rows that differ.")

    def handle(self, *args, fix=False, **options):
        patients = Patient.objects.select_related("user").order_by("pk")
        wrong = statuses_check(patients=patients)
        total = patients.count()
        if not wrong:
            self.stdout.write(f"Checked {total} patients: every status row is current.")
            return
        ids = ", ".join(str(pk) for pk in wrong)
        if fix:
            for patient in patients.filter(pk__in=wrong):
                status_refresh_patient(patient=patient)
            self.stdout.write(f"Checked {total} patients: refreshed {len(wrong)} ({ids}).")
            return
        raise CommandError(
            f"Checked {total} patients: {len(wrong)} status rows differ from the records "
            f"(patients {ids}). Run check_status --fix to refresh them."
        )
