from django.core.management.base import BaseCommand

from mall.services.orders import orders_cancel_expired


class Command(BaseCommand):
    help = "Cancel unpaid orders whose payment window has closed and give their stock back."

    def handle(self, *args, **options):
        cancelled = orders_cancel_expired()
        self.stdout.write(f"cancelled {cancelled} expired order(s)")
