"""Proof that the money adds up, for every sharer:

- the four balances on the account equal the sums of their ledger rows;
- frozen equals their frozen commissions, and available + withdrawing + withdrawn equals
  their available and withdrawn commissions (void ones count for nothing);
- withdrawing equals their pending or paying withdrawals, withdrawn their paid ones.
"""

import logging
from dataclasses import dataclass

from django.db.models import F, Q, Sum

from distribution.models import Account, Commission, CommissionStatus, LedgerEntry, Withdrawal, WithdrawalStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    member_id: int
    what: str
    expected: int
    actual: int

    def __str__(self):
        return f"member {self.member_id}: {self.what} should be {self.expected}, is {self.actual}"



def reconcile() -> list[Difference]:
    buckets = ("frozen", "available", "withdrawing", "withdrawn")
    accounts = {
        row["member_id"]: row for row in Account.objects.values("member_id", *(f"{b}_fen" for b in buckets))
    }
    ledger = {
        row.pop("member_id"): row
        for row in LedgerEntry.objects.order_by().values("member_id").annotate(**{b: Sum(f"{b}_delta") for b in buckets})
    }
    net = F("amount_fen") - F("voided_fen")
    commissions = {
        row.pop("beneficiary_id"): row
        for row in Commission.objects.order_by().values("beneficiary_id").annotate(
            frozen=Sum(net, filter=Q(status=CommissionStatus.FROZEN)),
            settled=Sum(net, filter=Q(status__in=[CommissionStatus.AVAILABLE, CommissionStatus.WITHDRAWN])),
        )
    }
    withdrawals = {
        row.pop("member_id"): row
        for row in Withdrawal.objects.order_by().values("member_id").annotate(
            open=Sum("amount_fen", filter=Q(status__in=[WithdrawalStatus.PENDING, WithdrawalStatus.PAYING])),
            paid=Sum("amount_fen", filter=Q(status=WithdrawalStatus.PAID)),
        )
    }
    differences = []
    for member_id in sorted(set(accounts) | set(ledger) | set(commissions) | set(withdrawals)):
        account = accounts.get(member_id, {})
        balance = {b: account.get(f"{b}_fen", 0) for b in buckets}
        booked = ledger.get(member_id, {})
        earned = commissions.get(member_id, {})
        drawn = withdrawals.get(member_id, {})
        checks = [(f"{b} per ledger", booked.get(b) or 0, balance[b]) for b in buckets] + [
            ("frozen per commissions", earned.get("frozen") or 0, balance["frozen"]),
            ("available + withdrawing + withdrawn per commissions", earned.get("settled") or 0,
             balance["available"] + balance["withdrawing"] + balance["withdrawn"]),
            ("withdrawing per withdrawals", drawn.get("open") or 0, balance["withdrawing"]),
            ("withdrawn per withdrawals", drawn.get("paid") or 0, balance["withdrawn"]),
        ]
        differences += [Difference(member_id, what, expected, actual) for what, expected, actual in checks if expected != actual]
    for difference in differences:
        logger.error("commission reconciliation: %s", difference)
    return differences
