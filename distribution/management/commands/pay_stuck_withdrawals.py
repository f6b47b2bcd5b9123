from django.core.management.base import BaseCommand

from distribution.services.withdrawals import withdrawals_pay_stuck


class Command(BaseCommand):
    help = "Ask WeChat again about withdrawals whose wallet payout result never came back (same number: paid at most once)."

    def handle(self, *args, **options):
        self.stdout.write(f"retried {withdrawals_pay_stuck()} withdrawal payout(s)")
