"""The one way a member's store balance (余额) or points move: a guarded UPDATE of the
running total and an append-only ledger row naming its source, in the caller's
transaction. The guard (`… WHERE total + n >= 0`) means two spends at the same instant
never take the same money or points; the unique source key means the same event never
moves them twice."""

from dataclasses import dataclass
from functools import cache

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

    No savepoint (this runs on every check-in, grab and payment): the guarded UPDATE
    returns the new total and holds the member's row; the ledger INSERT skips a source key
    already taken, and then the total is moved back while the row is still ours, so nobody
    ever sees the move that did not happen. On PostgreSQL the two are one statement (a
    round trip fewer on every move); SQLite has no UPDATE inside WITH and runs them apart."""
    if amount == 0:
        raise ValueError("a movement moves something")
    update, insert = _statements(ledger)
    now = timezone.now()
    values = [member_id, source_key, note[:200], kind, amount, connection.ops.adapt_datetimefield_value(now)]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH moved AS ({update}), entry AS ({insert.format(after_from='moved.total FROM moved')}) "
                "SELECT (SELECT total FROM moved), (SELECT id FROM entry)",
                [amount, member_id, -amount, *values],
            )
            after, inserted = cursor.fetchone()
        else:
            cursor.execute(update, [amount, member_id, -amount])
            after = (cursor.fetchone() or (None,))[0]
            inserted = None
            if after is not None:
                cursor.execute(insert.format(after_from="%s WHERE 1 = 1"), [*values, after])
                inserted = (cursor.fetchone() or (None,))[0]
        if after is not None and inserted is None:
            cursor.execute(
                f'UPDATE {Member._meta.db_table} SET "{ledger.total}" = "{ledger.total}" - %s WHERE id = %s', [amount, member_id]
            )
    if after is None:
        raise ledger.insufficient()
    if inserted is None:
        raise AlreadyMoved(source_key)
    entry = ledger.entries(
        pk=inserted,
        member_id=member_id,
        source_key=source_key,
        note=note[:200],
        created_at=now,
        **{ledger.kind: kind, ledger.amount: amount, ledger.after: after},
    )
    entry._state.adding = False
    return entry


@cache
def _statements(ledger: Ledger) -> tuple[str, str]:
    """The guarded UPDATE (its new total named `total`) and the entry's INSERT, whose last
    value, the total after, comes in `{after_from}`: from the UPDATE's row on PostgreSQL, as
    a parameter on SQLite (`WHERE 1 = 1`: SQLite reads ON CONFLICT after INSERT … SELECT as
    the upsert clause only behind a WHERE)."""
    columns = ", ".join(
        f'"{column}"' for column in ("member_id", "source_key", "note", ledger.kind, ledger.amount, "created_at", ledger.after)
    )
    total = f'"{ledger.total}"'
    update = (
        f"UPDATE {Member._meta.db_table} SET {total} = {total} + %s WHERE id = %s AND {total} >= %s RETURNING {total} AS total"
    )
    insert = (
        f"INSERT INTO {ledger.entries._meta.db_table} ({columns}) SELECT %s, %s, %s, %s, %s, %s, {{after_from}} "
        "ON CONFLICT (source_key) DO NOTHING RETURNING id"
    )
    return update, insert


def ledger_move_once(ledger: Ledger, **movement) -> bool:
    """The same, for events that may be handled twice: a second time changes nothing.
    Whether it moved now."""
    try:
        ledger_move(ledger, **movement)
    except AlreadyMoved:
        return False
    return True
