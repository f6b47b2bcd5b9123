from django.core.management.base import BaseCommand
from django.db import transaction

from demo.campaigns import seed_campaigns
from demo.crm import seed_crm
from demo.members import OPERATOR_PASSWORD, OPERATOR_USERNAME, seed_members
from demo.shop import seed_catalogue
from mall.models import Product


class Command(BaseCommand):
    help = "Fill the shop with a believable demo catalogue, an operator, a few shoppers, running campaigns and a CRM crowd with a purchase history. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = seed_catalogue()
            seed_members()
            seed_campaigns()
            seed_crm()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo shop ready: {Product.objects.count()} products ({created} new), "
                f"operator login {OPERATOR_USERNAME} / {OPERATOR_PASSWORD}"
            )
        )
