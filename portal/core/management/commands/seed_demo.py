import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal.core import demo
from regimens.demo import seed_regimens

DEFAULT_DEMO_PASSWORD = "ldn-demo-2026"  # noqa: S105 (demo only, stated in the README)


class Command(BaseCommand):
    help = (
        "Create or refresh the demo accounts and their data. Safe to run again: it updates "
        "what is there. Refuses to run with production settings."
    )

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("Demo data is never created with production settings.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            logins = demo.seed_accounts(password=password)
            patients = demo.seed_patients(password=password)
            seed_regimens()
            diary_days = demo.seed_diaries()
            now = timezone.now()
            demo.seed_checkins(now=now)
            reminder_due = demo.seed_reminders(now=now)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password}):"))
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email}")
            if login.recovery_codes:
                self.stdout.write(
                    "            MFA recovery codes (each works once): "
                    + " ".join(login.recovery_codes[:5])
                )
        self.stdout.write(
            f"  {len(patients)} demo patients on the provider's care team, e.g. "
            "casey@example.com (an opioid on the medication list)."
        )
        self.stdout.write(
            f"  Provider and admin can also use an authenticator app with the secret "
            f"{demo.DEMO_TOTP_SECRET}."
        )
        self.stdout.write(
            f"  {diary_days} diary days added: Sam's insomnia after a step up, Riley responding, "
            "Jordan silent for 9 days, Casey's missed doses; the provider home shows their flags."
        )
        self.stdout.write(
            f"  A dose reminder for patient@example.com is due at {reminder_due:%H:%M:%S} UTC "
            "(a minute from now): beat's dispatcher runs every minute, the worker puts it in "
            "the notification centre and prints its e-mail on this console."
        )
