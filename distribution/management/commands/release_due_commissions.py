from django.core.management.base import BaseCommand

from distribution.services.commissions import commissions_release_due


class Command(BaseCommand):
    help = "Make commissions available whose order is completed and past its after-sales window."

    def handle(self, *args, **options):
        self.stdout.write(f"released {commissions_release_due()} commission(s)")
