"""A play's writes, each happening only when the one it depends on happened, sent in as
few round trips as the database allows.

On PostgreSQL the steps go as one statement: data-modifying CTEs, each reading the
RETURNING row of the steps before it, so a step whose guard failed returns nothing and the
steps that read it do nothing. One round trip, and atomic by itself: a play that is one
statement needs no BEGIN and COMMIT. SQLite has no INSERT or UPDATE inside WITH: there
each step is a statement of its own, run in order inside the caller's transaction, reading
the rows of the steps before it as constant tables of the same names; a step whose needs
returned nothing is skipped (its SQL would do nothing anyway).

What a step's SQL must respect, because on PostgreSQL every step runs with the snapshot the
statement took when it began: a step reads what an earlier step wrote only through that
step's RETURNING (by its name), never from the table; no row is written twice in one chain
(the second write would silently do nothing); and a lock taken by a step is waited for
after the snapshot was taken, so only the rows the locking step itself returns, and the
rows the later steps UPDATE or upsert, are read as they are after the wait. A chain in
which a step can refuse after an earlier step wrote (two guarded counters in a row) cannot
stand alone: its caller runs it in a transaction and raises (chain_transaction).
"""

import re
from contextlib import nullcontext
from typing import NamedTuple

from django.db import connection, transaction

_PARAMETER = re.compile(r"%\((\w+)\)s")


class Step(NamedTuple):
    name: str  # how the steps after it read it: FROM claimed, (SELECT id FROM claimed)
    sql: str  # one statement with named parameters, %(member)s
    params: dict
    returns: tuple[str, ...] = ()  # its RETURNING columns, in order
    needs: tuple[str, ...] = ()  # steps that must have returned a row for this one to do anything


def chain_run(steps: list) -> dict[str, tuple | None]:
    """Run the steps (Step, or tuples in its order); each step's RETURNING row by name, None
    when it returned nothing (and for a step that returns nothing)."""
    steps = [Step(*step) for step in steps]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _as_one_statement(cursor, steps)
        return _one_by_one(cursor, steps)


def chain_transaction(*, one_statement: bool):
    """The transaction a chain needs around it: none on PostgreSQL when the whole play is
    the chain's one statement, no step of which can fail after another wrote, and no
    transaction is open (inside one, a savepoint keeps a failing statement from aborting
    the caller's); otherwise one, so that the caller can raise and take everything back."""
    if one_statement and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


def _scoped(step: Step) -> tuple[str, dict]:
    """The step's SQL and parameters, its parameter names prefixed with its own name."""
    sql = _PARAMETER.sub(lambda found: f"%({step.name}__{found[1]})s", step.sql)
    return sql, {f"{step.name}__{name}": step.params[name] for name in set(_PARAMETER.findall(step.sql))}


def _as_one_statement(cursor, steps: list[Step]) -> dict[str, tuple | None]:
    ctes, params = [], {}
    for step in steps:
        sql, scoped = _scoped(step)
        ctes.append(f"{step.name} AS ({sql})")
        params.update(scoped)
    shown = [step for step in steps if step.returns]
    rows = "".join(
        f" LEFT JOIN (SELECT true, {', '.join(step.returns)} FROM {step.name} LIMIT 1) AS {step.name}_row ON true"
        for step in shown
    )
    cursor.execute(f"WITH {', '.join(ctes)} SELECT * FROM (SELECT 1) AS chain{rows}", params)
    row, at, results = cursor.fetchone(), 1, {}
    for step in steps:
        if step.returns:
            results[step.name] = tuple(row[at + 1 : at + 1 + len(step.returns)]) if row[at] else None
            at += 1 + len(step.returns)
        else:
            results[step.name] = None
    return results


def _one_by_one(cursor, steps: list[Step]) -> dict[str, tuple | None]:
    results: dict[str, tuple | None] = {}
    done: list[Step] = []
    for step in steps:
        if any(results[name] is None for name in step.needs):
            results[step.name] = None
        else:
            sql, params = _scoped(step)
            tables = []
            for earlier in done:
                if not earlier.returns:
                    continue
                columns, row = ", ".join(earlier.returns), results[earlier.name]
                if row is None:
                    tables.append(
                        f"{earlier.name}({columns}) AS (SELECT {', '.join('NULL' for _ in earlier.returns)} WHERE false)"
                    )
                    continue
                names = [f"row__{earlier.name}__{column}" for column in earlier.returns]
                tables.append(f"{earlier.name}({columns}) AS (VALUES ({', '.join(f'%({name})s' for name in names)}))")
                params.update(zip(names, row, strict=True))
            if tables:  # the step's own WITH, if it has one, follows the tables
                own = re.match(r"\s*WITH\s", sql, re.IGNORECASE)
                sql = f"WITH {', '.join(tables)}" + (f", {sql[own.end() :]}" if own else f" {sql}")
            cursor.execute(sql, params)
            results[step.name] = cursor.fetchone() if step.returns else None
        done.append(step)
    return results
