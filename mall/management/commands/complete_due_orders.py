from django.core.management.base import BaseCommand

from mall.services.fulfilment import orders_complete_due


class Command(BaseCommand):
    help = "Complete orders shipped longer ago than the automatic-completion days."

    def handle(self, *args, **options):
        self.stdout.write(f"complete_due_orders: {orders_complete_due()}")
