from django.core.management.base import BaseCommand

from crm.services.pushes import pushes_enqueue_due


class Command(BaseCommand):
    help = "Enqueue every scheduled push whose send time has come, under the frequency cap (what the beat job does every minute)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"recipients queued: {pushes_enqueue_due()}"))
