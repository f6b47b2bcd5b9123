"""The one way a member's store balance (余额) or points move: a guarded UPDATE of the
running total and an append-only ledger row naming its source, in the caller's
transaction. The guard (`… WHERE total + n >= 0`) means two spends at the same instant
never take the same money or points; the unique source key means the same event never
moves them twice."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from members.errors import AlreadyMoved, InsufficientBalance, InsufficientPoints
from members.models import BalanceEntry, Member, PointsEntry


@dataclass(frozen=True)
class Ledger:
    total: str  # the field on Member
    entries: type  # the ledger model
    amount: str  # the entry's amount field
    after: str  # the entry's running-total field
    kind: str  # the entry's kind/reason field
    insufficient: type  # the domain error when the total would go below zero


BALANCE = Ledger("balance_fen", BalanceEntry, "amount_fen", "balance_after_fen", "kind", InsufficientBalance)
POINTS = Ledger("points", PointsEntry, "amount", "balance_after", "reason", InsufficientPoints)


def ledger_move(ledger: Ledger, *, member_id: int, amount: int, kind: str, source_key: str, note: str = ""):
    """Move the total by `amount` (negative takes) beside one ledger row. Raises the
    ledger's Insufficient… error or AlreadyMoved, and then nothing has changed."""
    if amount == 0:
        raise ValueError("a movement moves something")
    with transaction.atomic():
        moved = Member.objects.filter(pk=member_id, **{f"{ledger.total}__gte": -amount}).update(**{ledger.total: F(ledger.total) + amount})
        if not moved:
            raise ledger.insufficient()
        after = Member.objects.filter(pk=member_id).values_list(ledger.total, flat=True).get()
        try:
            with transaction.atomic():
                return ledger.entries.objects.create(
                    member_id=member_id, source_key=source_key, note=note[:200],
                    **{ledger.kind: kind, ledger.amount: amount, ledger.after: after},
                )
        except IntegrityError as exc:
            raise AlreadyMoved(source_key) from exc  # the outer block rolls the total back too


def ledger_move_once(ledger: Ledger, **movement) -> bool:
    """The same, for events that may be handled twice: a second time changes nothing.
    Whether it moved now."""
    try:
        ledger_move(ledger, **movement)
    except AlreadyMoved:
        return False
    return True
