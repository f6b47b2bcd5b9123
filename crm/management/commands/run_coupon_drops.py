from django.core.management.base import BaseCommand

from crm.services.coupon_drops import coupon_drops_run_pending


class Command(BaseCommand):
    help = "Give the coupon drops no worker is giving (a lost task, a dead worker), batch after batch (the beat job's sweep)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"batches given: {coupon_drops_run_pending()}"))
