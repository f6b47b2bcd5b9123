"""Proof that the money adds up and that nothing was missed.

For every sharer:
- the four balances on the account equal the sums of their ledger rows;
- frozen equals their frozen commissions, and available + withdrawing + withdrawn equals
  their available and withdrawn commissions (void ones count for nothing);
- withdrawing equals their pending or paying withdrawals, withdrawn their paid ones.

For every member, their store balance (余额) and their points each equal the sum of their ledger.

For every order (completeness: an event that was never handled shows up here):
- a paid order had its commission worked out (rows, or the recorded reason for none);
- a refunded one had the refunded part of its frozen commission voided, to the fen.
Orders paid or refunded in the last few minutes are left to their events, still in flight.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from distribution.models import Account, Commission, CommissionStatus, LedgerEntry, OrderReferral, Withdrawal, WithdrawalStatus
from distribution.services.commissions import void_target
from mall.models import Order
from members.selectors import balance_differences, points_differences

IN_FLIGHT = timedelta(minutes=15)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    subject: str  # "member 12", "order 2026…"
    what: str
    expected: object
    actual: object

    def __str__(self):
        return f"{self.subject}: {self.what} should be {self.expected}, is {self.actual}"


def reconcile(*, now=None) -> list[Difference]:
    differences = _balances() + _orders(now or timezone.now()) + _store_balances()
    for difference in differences:
        logger.error("commission reconciliation: %s", difference)
    return differences


def _balances() -> list[Difference]:
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
        differences += [Difference(f"member {member_id}", what, expected, actual) for what, expected, actual in checks if expected != actual]
    return differences


def _store_balances() -> list[Difference]:
    """Members' store balance (余额) and points, each against its own ledger."""
    return [
        Difference(f"member {pk}", f"{what} per its ledger", booked, total)
        for what, differences in (("store balance", balance_differences()), ("points", points_differences()))
        for pk, total, booked in differences
    ]


def _orders(now) -> list[Difference]:
    settled = now - IN_FLIGHT
    never_earned = (
        Order.objects.filter(paid_at__lte=settled)
        .exclude(pk__in=OrderReferral.objects.filter(earned_at__isnull=False).values("order_id"))
        .values_list("number", flat=True)
    )
    differences = [Difference(f"order {number}", "commission worked out after payment", "yes", "never") for number in never_earned]
    refunded = Order.objects.filter(refunded_fen__gt=0, updated_at__lte=settled).only("pay_fen", "shipping_fen", "refunded_fen", "number")
    commissions = Commission.objects.filter(order__in=refunded, status__in=[CommissionStatus.FROZEN, CommissionStatus.VOID])
    for commission in commissions.select_related("order").order_by("order_id", "id"):
        target = void_target(commission, commission.order)
        if commission.voided_fen != target:
            differences.append(Difference(f"order {commission.order.number}", f"commission {commission.pk} voided after refunds", target, commission.voided_fen))
    return differences
