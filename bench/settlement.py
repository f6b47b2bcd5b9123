"""The commission settlement's data at scale: frozen commissions written with set-based SQL
beside whatever the database holds (the large shop of `make bench`), the bare SQL the job is
held against, and the checks of the books afterwards. `bench/batch.py` times them.

Usage on its own (a PostgreSQL database it may add to; it is migrated first):

    createdb -h 127.0.0.1 -U postgres micromall_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python bench/settlement.py [rows]

`rows` frozen commissions (1,000,000 by default): rows / 2 completed orders of one line each,
past their after-sales window, bought by 10,000 sharers of our own (fewer for a small fill); a level-1 and a level-2
commission on every line, to two other sharers; the "earned" ledger rows and the accounts.
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.shop import _bulk_load  # noqa: E402
from distribution.models import Account, Commission, CommissionStatus, DistributionSettings, LedgerEntry, LedgerKind  # noqa: E402
from mall.models import SKU, Category, Order, OrderLine, Product  # noqa: E402
from members.models import Member  # noqa: E402

SHARERS = 10_000
SHARER_PREFIX = "settle_"  # usernames of our sharers: the shop's members are bench_<n>
TABLES = {"member": Member, "order": Order, "line": OrderLine, "commission": Commission, "ledger": LedgerEntry, "account": Account}
T = {name: model._meta.db_table for name, model in TABLES.items()}
OUR_USERNAMES = SHARER_PREFIX.replace("_", "\\_") + "%"  # a LIKE pattern: its own "_" means any character


def fill(rows: int) -> list[int]:
    """Write `rows` frozen commissions, due now, in one transaction; returns the sharers' ids.
    An earlier fill goes first (see `_forget`); nothing of the shop is touched."""
    if rows <= 0 or rows % 2:
        raise ValueError("rows: a positive even count (a level-1 and a level-2 commission a line)")
    with transaction.atomic(), connection.cursor() as cursor:
        _forget(cursor)
        sharers = _sharers(cursor, min(SHARERS, rows // 2))
        sku = _a_sku()
        # Checked per row, the foreign keys of a million rows cost more than writing them.
        with _bulk_load([Order, OrderLine, Commission, LedgerEntry, Account]):
            _orders(cursor, rows // 2, sharers, sku)
            _commissions(cursor, sharers)
    return sharers


def _forget(cursor) -> None:
    """An earlier fill's rows (none after a fresh seed of the shop). The commissions, ledger and
    accounts go whole: the shop is seeded without any, and emptying them is faster than
    deleting a million rows."""
    cursor.execute(f"TRUNCATE {T['ledger']}, {T['commission']}, {T['account']}")
    ours = f"SELECT id FROM {T['member']} WHERE username LIKE %s"
    prefix = [OUR_USERNAMES]
    cursor.execute(f"DELETE FROM {T['line']} WHERE order_id IN (SELECT id FROM {T['order']} WHERE member_id IN ({ours}))", prefix)
    cursor.execute(f"DELETE FROM {T['order']} WHERE member_id IN ({ours})", prefix)
    cursor.execute(f"DELETE FROM {T['member']} WHERE username LIKE %s", prefix)


def _a_sku() -> SKU:
    """What the orders bought: any SKU the shop has (a product of our own would show up among
    the shop's), or one made for an empty database."""
    sku = SKU.objects.order_by("pk").first()
    if sku is None:
        category = Category.objects.create(name="结算压测")
        product = Product.objects.create(title="结算压测", category=category, is_on_sale=False)
        sku = SKU.objects.create(product=product, spec={}, price_fen=10000, stock=0)
    return sku


def _sharers(cursor, count: int) -> list[int]:
    cursor.execute(
        f"""INSERT INTO {T['member']} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                date_joined, nickname, avatar_url, gender, province, city, phone, source_channel, referral_code, points,
                balance_fen, attributes, is_subscribed)
            SELECT '!', false, %s || i, '', '', '', false, true, now(), '分销员 ' || i, '', 0, '', '', '', '',
                   'S' || lpad(i::text, 10, '0'), 0, 0, '{{}}', false
            FROM generate_series(1, %s) i
            RETURNING id""",
        [SHARER_PREFIX, count],
    )
    return sorted(row[0] for row in cursor.fetchall())


def _orders(cursor, count: int, sharers: list[int], sku: SKU) -> None:
    """Order i: completed by sharer i mod n, its after-sales window closed yesterday; one line."""
    cursor.execute(
        f"""WITH orders AS (
                INSERT INTO {T['order']} (number, member_id, status, goods_fen, shipping_fen, discount_fen, balance_fen, pay_fen,
                    refunded_fen, balance_refunded_fen, receiver_name, receiver_phone, province, city, district, address_detail, note,
                    operator_note, carrier, tracking_number, created_at, expires_at, paid_at, shipped_at, completed_at,
                    after_sales_deadline, updated_at)
                SELECT 'S' || lpad(i::text, 20, '0'), (%(sharers)s::bigint[])[1 + mod(i, %(n)s)], 'completed', 10000, 0, 0, 0, 10000,
                       0, 0, '收货人', '13800000000', '广东', '广州', '', '结算路 1 号', '', '', 'SF', 'SF' || i,
                       now() - interval '20 days', now() - interval '20 days', now() - interval '20 days',
                       now() - interval '19 days', now() - interval '8 days', now() - interval '1 day', now()
                FROM generate_series(1, %(count)s) i
                RETURNING id
            )
            INSERT INTO {T['line']} (order_id, sku_id, product_id, title, spec, image, price_fen, quantity, discount_fen, pay_fen)
            SELECT id, %(sku)s, %(product)s, '结算压测', '{{}}', '', 10000, 1, 0, 10000 FROM orders""",
        {"sharers": sharers, "n": len(sharers), "count": count, "sku": sku.pk, "product": sku.product_id},
    )


def _commissions(cursor, sharers: list[int]) -> None:
    """Level 1 earns 10.00 and level 2 earns 5.00 on every line, to the next two sharers after
    the buyer; each with its "earned" ledger row, and each sharer's account holding them frozen
    (the commissions are all ours: `_forget` emptied the table)."""
    cursor.execute(
        f"""INSERT INTO {T['commission']} (order_id, line_id, beneficiary_id, level, base_fen, rate_bp, amount_fen, voided_fen,
                status, available_at, created_at)
            SELECT l.order_id, l.id, (%(sharers)s::bigint[])[1 + mod(buyer.n - 1 + lvl, %(n)s)], lvl, 10000,
                   CASE lvl WHEN 1 THEN 1000 ELSE 500 END, CASE lvl WHEN 1 THEN 1000 ELSE 500 END, 0, %(frozen)s, NULL,
                   now() - interval '20 days'
            FROM {T['line']} l JOIN {T['order']} o ON o.id = l.order_id
            JOIN unnest(%(sharers)s::bigint[]) WITH ORDINALITY AS buyer(id, n) ON buyer.id = o.member_id
            CROSS JOIN (VALUES (1), (2)) AS levels(lvl)""",
        {"sharers": sharers, "n": len(sharers), "frozen": CommissionStatus.FROZEN},
    )
    cursor.execute(
        f"""INSERT INTO {T['ledger']} (member_id, kind, commission_id, withdrawal_id, frozen_delta, available_delta,
                withdrawing_delta, withdrawn_delta, source_key, created_at)
            SELECT beneficiary_id, %s, id, NULL, amount_fen, 0, 0, 0, 'commission:' || id || ':earned', created_at
            FROM {T['commission']}""",
        [LedgerKind.EARNED],
    )
    cursor.execute(
        f"""INSERT INTO {T['account']} (member_id, frozen_fen, available_fen, withdrawing_fen, withdrawn_fen)
            SELECT beneficiary_id, SUM(amount_fen), 0, 0, 0 FROM {T['commission']} GROUP BY beneficiary_id"""
    )


# --- The limit ------------------------------------------------------------------------------


def bare_release() -> int:
    """The state change the job cannot avoid, as one statement: every due commission (its
    order completed, the after-sales window and the extra freeze over) becomes available, and
    each sharer's frozen balance moves to available by their total. No SKIP LOCKED batches,
    no refund and void guards, no ledger rows. How many commissions it released."""
    cutoff = timezone.now() - timedelta(days=DistributionSettings.get_solo().extra_freeze_days)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # what the job gives each of its batches
        cursor.execute(
            f"""WITH released AS (
                    UPDATE {T['commission']} c SET status = %(available)s, available_at = now()
                    FROM {T['order']} o
                    WHERE o.id = c.order_id AND c.status = %(frozen)s AND o.status = 'completed' AND o.after_sales_deadline <= %(cutoff)s
                    RETURNING c.beneficiary_id, c.amount_fen - c.voided_fen AS amount
                ), moved AS (
                    UPDATE {T['account']} a SET frozen_fen = a.frozen_fen - s.total, available_fen = a.available_fen + s.total
                    FROM (SELECT beneficiary_id, SUM(amount) AS total, COUNT(*) AS released FROM released GROUP BY beneficiary_id) s
                    WHERE a.member_id = s.beneficiary_id
                    RETURNING s.released
                )
                SELECT COALESCE(SUM(released), 0)::bigint FROM moved""",
            {"available": CommissionStatus.AVAILABLE, "frozen": CommissionStatus.FROZEN, "cutoff": cutoff},
        )
        return cursor.fetchone()[0]


# --- The books afterwards -------------------------------------------------------------------


def books(sharers: list[int], rows: int) -> dict[str, bool]:
    """What must hold once the job has run over a fill of `rows`: nothing left frozen, one
    "released" ledger row a commission, and every sharer's account equal to their ledger and to
    their commissions (the first rules of distribution.services.reconcile, for our sharers)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT COUNT(*) FILTER (WHERE status = %(frozen)s), COUNT(*) FILTER (WHERE status = %(available)s)
                FROM {T['commission']} WHERE beneficiary_id = ANY(%(sharers)s)""",
            {"frozen": CommissionStatus.FROZEN, "available": CommissionStatus.AVAILABLE, "sharers": sharers},
        )
        frozen, available = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {T['ledger']} WHERE member_id = ANY(%s) AND kind = %s", [sharers, LedgerKind.RELEASED])
        released_entries = cursor.fetchone()[0]
        cursor.execute(
            f"""SELECT COUNT(*) FROM unnest(%(sharers)s::bigint[]) AS sharer(id)
                LEFT JOIN {T['account']} a ON a.member_id = sharer.id
                LEFT JOIN (SELECT member_id, SUM(frozen_delta) AS frozen, SUM(available_delta) AS available
                           FROM {T['ledger']} WHERE member_id = ANY(%(sharers)s) GROUP BY member_id) l ON l.member_id = sharer.id
                LEFT JOIN (SELECT beneficiary_id, SUM(amount_fen - voided_fen) FILTER (WHERE status = %(frozen)s) AS frozen,
                                  SUM(amount_fen - voided_fen) FILTER (WHERE status = %(available)s) AS available
                           FROM {T['commission']} WHERE beneficiary_id = ANY(%(sharers)s) GROUP BY beneficiary_id) c
                       ON c.beneficiary_id = sharer.id
                WHERE a.id IS NULL OR a.frozen_fen <> COALESCE(l.frozen, 0) OR a.available_fen <> COALESCE(l.available, 0)
                   OR a.frozen_fen <> COALESCE(c.frozen, 0) OR a.available_fen <> COALESCE(c.available, 0)""",
            {"sharers": sharers, "frozen": CommissionStatus.FROZEN, "available": CommissionStatus.AVAILABLE},
        )
        unbalanced = cursor.fetchone()[0]
    return {
        "every commission released": frozen == 0 and available == rows,
        "one released ledger row each": released_entries == rows,
        "accounts equal ledger and commissions": unbalanced == 0,
    }


def main() -> None:
    from django.core.management import call_command

    from bench import batch

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
    call_command("migrate", verbosity=0)
    result = batch.settlement(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(batch.describe(result))
    if not result["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
