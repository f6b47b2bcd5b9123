"""Batch jobs held against their bare SQL in the same run (issue 12): the commission
settlement over 1,000,000 rows and the CRM segment count over 1,000,000 members.

bench/suite.py calls `settlement()` and `segment_count()` after its HTTP scenarios. Each writes
its data beside the seeded shop (bench/settlement.py, bench/crm.py: nothing of the shop is
emptied or changed), times ours and the limit over the same rows, checks what must hold
afterwards and returns its row of the table:

    {"name", "kind": "batch", "floor": 0.5, "ratio": limit seconds ÷ ours seconds, "ok",
     "ours": {"seconds", "rows"}, "limit": {"seconds", "rows"}, "checks": {what: bool}}

Progress goes to stdout. On their own: bench/settlement.py and bench/crm.py.
"""

import time
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from bench import crm as crm_data
from bench import settlement as settlement_data
from crm.models import MemberTag, PurchasedProduct, PurchaseStats
from crm.selectors.segments import segment_count as count_segment
from distribution.models import Account, Commission
from distribution.services.commissions import commissions_release_due
from members.models import Member

FLOOR = 0.5
TRIES = 3  # the segment count: best of three, each side, after a warm-up


def settlement(rows: int = 1_000_000) -> dict:
    """Fill `rows` frozen commissions, all due; time the bare release over them (one UPDATE …
    FROM, in a transaction rolled back, its dead rows vacuumed away), then the job,
    `commissions_release_due()`, over the same rows; check the books."""
    print(f"  settlement {rows:,}: filling …", flush=True)
    sharers, filled = _timed(lambda: settlement_data.fill(rows))
    _vacuum(settlement_data.TABLES.values())
    bare_released, bare = _timed(lambda: _rolled_back(settlement_data.bare_release))
    _vacuum([Commission, Account])
    released, ours = _timed(commissions_release_due)
    print(f"    fill {filled:.1f} s, bare UPDATE … FROM {bare:.1f} s, commissions_release_due() {ours:.1f} s", flush=True)
    checks = {"the limit released the same rows": bare_released == rows, **settlement_data.books(sharers, rows)}
    return _result(f"settlement {rows:,}", ours=(ours, released), limit=(bare, bare_released), checks=checks)


def segment_count(members: int = 1_000_000) -> dict:
    """Make sure `members` members of our own exist with their purchases; time the CRM's count
    of a 3-rule segment and the hand-written SQL for the same rules, each its best of three
    after a warm-up (as an operator's second look at the builder); check they agree."""
    print(f"  CRM segment count over {members:,} members: filling …", flush=True)
    skincare, filled = _timed(lambda: crm_data.fill(members))
    _vacuum([Member, PurchaseStats, PurchasedProduct, MemberTag])
    rules = crm_data.segment_rules(skincare)
    counted, ours = _best(lambda: count_segment(rules))
    by_hand, bare = _best(lambda: crm_data.count_by_hand(skincare))
    print(f"    fill {filled:.1f} s, hand-written SQL {bare * 1000:.0f} ms, segment_count() {ours * 1000:.0f} ms", flush=True)
    checks = {"the counts agree": counted == by_hand, "the segment is not empty": counted > 0}
    return _result("CRM segment count", ours=(ours, counted), limit=(bare, by_hand), checks=checks)


def describe(result: dict) -> str:
    ours, limit = result["ours"], result["limit"]
    failed = [what for what, held in result["checks"].items() if not held]
    return (f"{result['name']}: ours {ours['seconds']:.3f} s ({ours['rows']:,} rows), limit {limit['seconds']:.3f} s "
            f"({limit['rows']:,} rows), ratio {result['ratio']:.2f} (floor {result['floor']}) {'OK' if result['ok'] else 'BELOW'}; "
            f"checks: {'all hold' if not failed else 'FAILED ' + ', '.join(failed)}")


def _result(name: str, *, ours: tuple[float, int], limit: tuple[float, int], checks: dict[str, bool]) -> dict:
    ratio = limit[0] / ours[0] if ours[0] else 0.0
    return {
        "name": name, "kind": "batch", "floor": FLOOR, "ratio": ratio, "ok": ratio >= FLOOR and all(checks.values()),
        "ours": {"seconds": ours[0], "rows": ours[1]}, "limit": {"seconds": limit[0], "rows": limit[1]}, "checks": checks,
    }


def _timed(work: Callable):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _best(work: Callable) -> tuple[int, float]:
    work()
    runs = [_timed(work) for _ in range(TRIES)]
    return min(runs, key=lambda run: run[1])


def _rolled_back(work: Callable):
    with transaction.atomic():
        result = work()
        transaction.set_rollback(True)
    return result


def _vacuum(models: Iterable) -> None:
    """As autovacuum would have long before a job meets such rows: the timing is then the
    job's, not a first read after a bulk load. VACUUM cannot run inside a transaction."""
    tables = ", ".join(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {tables}")
