"""The only way commission money moves: a guarded UPDATE of the sharer's account and
one ledger row naming its source, in the caller's transaction.

A decrement is guarded in SQL (`… WHERE available_fen >= n`), so two requests at the
same instant can never take the same money twice; `source_key` is unique, so the same
event can never be booked twice.
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from distribution.errors import AlreadyBooked, NotEnoughBalance
from distribution.models import Account, LedgerEntry

BUCKETS = ("frozen", "available", "withdrawing", "withdrawn")


def book(*, member_id: int, kind: str, source_key: str, commission=None, withdrawal=None, **deltas: int) -> LedgerEntry:
    """Move money between buckets (keyword deltas: frozen=…, available=…, …).
    Raises NotEnoughBalance (nothing changes) or AlreadyBooked (nothing changes)."""
    unknown = set(deltas) - set(BUCKETS)
    if unknown:
        raise ValueError(f"unknown buckets {unknown}")
    Account.objects.get_or_create(member_id=member_id)
    guard = Q()
    for bucket, delta in deltas.items():
        if delta < 0:
            guard &= Q(**{f"{bucket}_fen__gte": -delta})
    with transaction.atomic():
        try:
            entry = LedgerEntry.objects.create(
                member_id=member_id, kind=kind, source_key=source_key, commission=commission, withdrawal=withdrawal,
                **{f"{bucket}_delta": delta for bucket, delta in deltas.items()},
            )
        except IntegrityError as exc:
            raise AlreadyBooked(source_key) from exc
        moved = Account.objects.filter(guard, member_id=member_id).update(
            **{f"{bucket}_fen": F(f"{bucket}_fen") + delta for bucket, delta in deltas.items() if delta}
        ) if any(deltas.values()) else 1
        if not moved:
            raise NotEnoughBalance()
    return entry
