from django.core.management.base import BaseCommand

from crm.services.rfm import rfm_recompute


class Command(BaseCommand):
    help = "Score every member who bought on recency, frequency and money (1–5, quintiles) and name their RFM group (set-based)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"RFM recomputed: {rfm_recompute()} members scored"))
