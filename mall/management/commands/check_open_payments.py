from django.core.management.base import BaseCommand

from mall.services.payments import payments_check_open


class Command(BaseCommand):
    help = "Ask WeChat Pay about payments still open (a lost notification must not leave a paid order unpaid)."

    def handle(self, *args, **options):
        self.stdout.write(f"check_open_payments: {payments_check_open()}")
