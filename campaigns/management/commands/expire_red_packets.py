from django.core.management.base import BaseCommand

from campaigns.services.packets import red_packets_expire
from config.money import format_yuan


class Command(BaseCommand):
    help = "Close red packets past their expiry and return their unclaimed shares (once per packet)."

    def handle(self, *args, **options):
        done = red_packets_expire()
        self.stdout.write(f"expired {done['expired']} red packet(s), returned {format_yuan(done['returned_fen'])} yuan")
