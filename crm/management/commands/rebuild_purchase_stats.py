from django.core.management.base import BaseCommand

from crm.services.purchase_stats import purchase_stats_rebuild


class Command(BaseCommand):
    help = "Work out every member's purchase stats and products bought again from their orders (set-based)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"purchase stats rebuilt: {purchase_stats_rebuild()} members with purchases"))
