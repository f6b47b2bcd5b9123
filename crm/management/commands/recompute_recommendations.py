from django.core.management.base import BaseCommand

from crm.services.recommendations import recommendations_recompute


class Command(BaseCommand):
    help = "Work out every product's recommendations (bought together, same-category best sellers) from purchase history (set-based)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"Recommendations recomputed: {recommendations_recompute()} rows"))
