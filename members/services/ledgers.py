"""The one way a member's store balance (余额) or points move: a guarded UPDATE of the
running total and an append-only ledger row naming its source, in the caller's
transaction. The guard (`… WHERE total + n >= 0`) means two spends at the same instant
never take the same money or points; the unique source key means the same event never
moves them twice."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

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
    ledger's Insufficient… error or AlreadyMoved, and then nothing has changed.

    Two statements and no savepoint (this runs on every check-in, grab and payment): the
    guarded UPDATE returns the new total and holds the member's row; the ledger INSERT skips
    a source key already taken, and then the total is moved back while the row is still
    ours, so nobody ever sees the move that did not happen."""
    if amount == 0:
        raise ValueError("a movement moves something")
    member_table, total = Member._meta.db_table, connection.ops.quote_name(ledger.total)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("member_id", "source_key", "note", ledger.kind, ledger.amount, ledger.after, "created_at"))
    now = timezone.now()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {member_table} SET {total} = {total} + %s WHERE id = %s AND {total} >= %s RETURNING {total}", [amount, member_id, -amount]
        )
        row = cursor.fetchone()
        if row is not None:
            after = row[0]
            cursor.execute(
                f"INSERT INTO {ledger.entries._meta.db_table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (source_key) DO NOTHING RETURNING id",
                [member_id, source_key, note[:200], kind, amount, after, connection.ops.adapt_datetimefield_value(now)],
            )
            inserted = cursor.fetchone()
            if inserted is None:
                cursor.execute(f"UPDATE {member_table} SET {total} = {total} - %s WHERE id = %s", [amount, member_id])
    if row is None:
        raise ledger.insufficient()
    if inserted is None:
        raise AlreadyMoved(source_key)
    entry = ledger.entries(
        pk=inserted[0], member_id=member_id, source_key=source_key, note=note[:200], created_at=now,
        **{ledger.kind: kind, ledger.amount: amount, ledger.after: after},
    )
    entry._state.adding = False
    return entry


def ledger_move_once(ledger: Ledger, **movement) -> bool:
    """The same, for events that may be handled twice: a second time changes nothing.
    Whether it moved now."""
    try:
        ledger_move(ledger, **movement)
    except AlreadyMoved:
        return False
    return True
