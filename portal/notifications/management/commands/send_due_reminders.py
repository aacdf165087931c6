from django.core.management.base import BaseCommand

from portal.notifications import services


class Command(BaseCommand):
    help = (
        "Deliver every due reminder in this process, without the broker. Use it while Redis "
        "is down; it is safe to run beside the workers (rows are claimed, never sent twice)."
    )

    def handle(self, *args, **options):
        returned = services.sweep_stuck()
        sent = services.send_due_inline()
        self.stdout.write(f"Returned {returned} stuck reminders; delivered {sent}.")
