from django.core.management.base import BaseCommand

from outbox.services import deliveries_deliver_due


class Command(BaseCommand):
    help = "Deliver every domain event still pending (due retries included), here and now, without a broker."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100_000, help="at most this many deliveries in one run")

    def handle(self, *args, limit, **options):
        outcomes = deliveries_deliver_due(limit=limit)
        self.stdout.write(f"done {outcomes['done']}, failed {outcomes['failed']}, skipped {outcomes['skipped']}")
