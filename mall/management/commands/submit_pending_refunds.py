from django.core.management.base import BaseCommand

from mall.services.aftersales import refunds_submit_pending


class Command(BaseCommand):
    help = "Send approved refunds to WeChat Pay that were not sent yet."

    def handle(self, *args, **options):
        self.stdout.write(f"submit_pending_refunds: {refunds_submit_pending()}")
