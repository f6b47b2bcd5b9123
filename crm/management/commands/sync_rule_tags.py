from django.core.management.base import BaseCommand

from crm.services.tags import tags_sync_all


class Command(BaseCommand):
    help = "Make every rule-based tag's members exactly its segment's members (set-based)."

    def handle(self, *args, **options):
        outcome = tags_sync_all()
        self.stdout.write(self.style.SUCCESS(f"rule tags synced: {outcome['synced']}, failed: {outcome['failed']}"))
