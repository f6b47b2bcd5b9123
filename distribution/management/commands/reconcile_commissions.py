from django.core.management.base import BaseCommand, CommandError

from distribution.services.reconcile import reconcile


class Command(BaseCommand):
    help = "Prove, for every sharer, that balances equal their ledger, commissions and withdrawals; list any difference."

    def handle(self, *args, **options):
        differences = reconcile()
        for difference in differences:
            self.stdout.write(self.style.ERROR(str(difference)))
        if differences:
            raise CommandError(f"{len(differences)} difference(s) found")
        self.stdout.write(self.style.SUCCESS("commission balances reconcile: no differences"))
