"""The only way a member's store balance (余额) moves: a guarded UPDATE of the balance and
an append-only ledger row naming its source, in the caller's transaction. The guard
(`… WHERE balance_fen + n >= 0`) means two spends at the same instant never take the same
money; the unique source key means the same event never moves it twice."""

from django.db import IntegrityError, transaction
from django.db.models import F

from members.errors import AlreadyMoved, InsufficientBalance
from members.models import BalanceEntry, Member


def balance_move(*, member_id: int, amount_fen: int, kind: str, source_key: str, note: str = "") -> BalanceEntry:
    """Add (or with a negative amount, take) money. Raises InsufficientBalance or
    AlreadyMoved, and then nothing has changed."""
    if amount_fen == 0:
        raise ValueError("a balance movement moves money")
    with transaction.atomic():
        moved = Member.objects.filter(pk=member_id, balance_fen__gte=-amount_fen).update(balance_fen=F("balance_fen") + amount_fen)
        if not moved:
            raise InsufficientBalance()
        after = Member.objects.filter(pk=member_id).values_list("balance_fen", flat=True).get()
        try:
            with transaction.atomic():
                return BalanceEntry.objects.create(
                    member_id=member_id, kind=kind, amount_fen=amount_fen, balance_after_fen=after, source_key=source_key, note=note[:200]
                )
        except IntegrityError as exc:
            raise AlreadyMoved(source_key) from exc  # the outer block rolls the balance back too


def balance_move_once(*, member_id: int, amount_fen: int, kind: str, source_key: str, note: str = "") -> bool:
    """The same, for events that may be handled twice: a second time changes nothing.
    Whether it moved the money now."""
    try:
        balance_move(member_id=member_id, amount_fen=amount_fen, kind=kind, source_key=source_key, note=note)
    except AlreadyMoved:
        return False
    return True
