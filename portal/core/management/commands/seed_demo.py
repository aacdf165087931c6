import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
