"""The one way a member's store balance (余额) or points move: a guarded UPDATE of the
running total and an append-only ledger row naming its source, in the caller's
transaction. The guard (`… WHERE total + n >= 0`) means two spends at the same instant
never take the same money or points; the unique source key means the same event never
moves them twice."""

import re
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

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
            ledger_move_back(ledger, member_id=member_id, amount=amount)
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


def ledger_move_back(ledger: Ledger, *, member_id: int, amount: int) -> None:
    """Undo the total's move of a movement whose ledger row was not written (its source
    had moved it already), while the member's row is still held by this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {Member._meta.db_table} SET "{ledger.total}" = "{ledger.total}" - %s WHERE id = %s', [amount, member_id]
        )


# --- Moves chained behind other statements ------------------------------------------------


class Sql(str):
    """SQL standing for a value: an expression over the statements a move is chained behind,
    such as "(SELECT amount_fen FROM claimed)" — written into the statement, not bound."""


@dataclass(frozen=True)
class Movement:
    """One ledger row of a chained move. Its amount and source key are values, or Sql
    expressions reading the statements before it by name; `when`, an SQL condition over
    them, for a row written only sometimes (a prize that may have run out)."""

    ledger: Ledger
    amount: int | Sql
    kind: str
    source_key: str | Sql
    note: str = ""
    when: str = ""
    params: dict = field(default_factory=dict)  # the named parameters, %(name)s, of its expressions


_PARAMETER = re.compile(r"%\((\w+)\)s")


def ledger_moves_steps(
    *,
    member_id: int,
    movements: list[Movement],
    when: str,
    needs: tuple[str, ...] = (),
    params: dict | None = None,
    name: str = "moved",
    once: bool = False,
    now=None,
) -> list[tuple]:
    """The member's totals moved by `movements` at once, as steps to chain behind other
    statements (campaigns/services/chain.py: name, sql, params, returns, needs).

    First one UPDATE of the member's row, named `name`, happening only when `when` holds (an
    SQL condition over the steps before, with `params`); it returns the totals after it.
    One UPDATE for every movement, because a statement writes a row at most once. Its
    guard counts only what is taken, so what a movement gives cannot pay for what another
    takes (a points prize for its own spin). Then the ledger rows, one INSERT per ledger,
    in the order given, each with the running total it left.

    A source key already booked makes the INSERT fail, and with it the whole statement: a
    chain that is a play's only statement cannot be half done. With `once` (one movement, in
    a chain inside a transaction) the row is skipped instead, and the caller, finding the
    INSERT returned nothing, puts the total back (ledger_move_back) as ledger_move does."""
    now = now or timezone.now()
    values = {**(params or {}), "member": member_id, "now": connection.ops.adapt_datetimefield_value(now)}
    terms = [_term(n, movement, values) for n, movement in enumerate(movements)]
    ledgers = list(dict.fromkeys(term.ledger for term in terms))
    sets, guards, steps = [], [], []
    for ledger in ledgers:
        mine = [term for term in terms if term.ledger == ledger]
        total = f'"{ledger.total}"'
        sets.append(f"{total} = {total} + " + " + ".join(term.moved_by for term in mine))
        taken = [term.taken for term in mine if term.taken]
        if taken:
            guards.append(f"{total} + {' + '.join(taken)} >= 0")
        rows = []
        for k, term in enumerate(mine):
            later = [later.moved_by for later in mine[k + 1 :]]
            after = f'{name}."{ledger.total}"' + (f" - ({' + '.join(later)})" if later else "")
            rows.append(
                f"SELECT {k} AS e_n, %(member)s AS e_member, {term.key} AS e_key, %(m{term.n}_note)s AS e_note, "
                f"%(m{term.n}_kind)s AS e_kind, {term.amount} AS e_amount, %(now)s AS e_at, {after} AS e_after FROM {name}"
                + (f" WHERE {term.condition}" if term.condition else "")
            )
        columns = ", ".join(
            f'"{column}"'
            for column in ("member_id", "source_key", "note", ledger.kind, ledger.amount, "created_at", ledger.after)
        )
        steps.append(
            (
                f"{name}_{ledger.total}",
                f"INSERT INTO {ledger.entries._meta.db_table} ({columns}) "
                f"SELECT e_member, e_key, e_note, e_kind, e_amount, e_at, e_after FROM ({' UNION ALL '.join(rows)}) AS entry "
                "WHERE true ORDER BY e_n" + (" ON CONFLICT (source_key) DO NOTHING" if once else "") + " RETURNING id",
                values,
                ("id",),
                (name,),
            )
        )
    update = (
        f"UPDATE {Member._meta.db_table} SET {', '.join(sets)} WHERE id = %(member)s AND ({when})"
        + "".join(f" AND {guard}" for guard in guards)
        + " RETURNING "
        + ", ".join(f'"{ledger.total}"' for ledger in ledgers)
    )
    return [(name, update, values, tuple(ledger.total for ledger in ledgers), needs), *steps]


class _Term(NamedTuple):
    ledger: Ledger
    n: int  # its place among the movements: its parameters are named m<n>_…
    amount: str  # SQL
    key: str
    condition: str  # "" when it always happens
    moved_by: str  # what it adds to the total: the amount, or 0 when its condition fails
    taken: str  # what it takes from the total, for the guard; "" when it only gives


def _term(n: int, movement: Movement, values: dict) -> _Term:
    """A movement's SQL, its values added to `values` under names of its own."""
    values.update({f"m{n}_{key}": value for key, value in movement.params.items()})
    values.update({f"m{n}_note": movement.note[:200], f"m{n}_kind": movement.kind})

    def scoped(sql: str) -> str:
        return _PARAMETER.sub(lambda found: f"%(m{n}_{found[1]})s", sql)

    def sql(value, label: str) -> str:
        if isinstance(value, Sql):
            return f"({scoped(value)})"
        values[f"m{n}_{label}"] = value
        return f"%(m{n}_{label})s"

    amount, key, condition = sql(movement.amount, "amount"), sql(movement.source_key, "source_key"), scoped(movement.when)
    moved_by = f"CASE WHEN {condition} THEN {amount} ELSE 0 END" if condition else amount
    if isinstance(movement.amount, Sql):
        taken = f"CASE WHEN {condition + ' AND ' if condition else ''}{amount} < 0 THEN {amount} ELSE 0 END"
    else:
        taken = moved_by if movement.amount < 0 else ""
    return _Term(movement.ledger, n, amount, key, condition, moved_by, taken)
