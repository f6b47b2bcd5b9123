from django.core.management.base import BaseCommand

from crm.services.pushes import pushes_send_pending


class Command(BaseCommand):
    help = "Send the queued recipients of pushes no worker is sending, and retries whose backoff is over (the beat job's sweep)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"batches sent: {pushes_send_pending()}"))
