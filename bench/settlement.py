"""Benchmark: the commission settlement job over 1,000,000 frozen commission rows.

Usage (a PostgreSQL database this script may fill; it is migrated first):

    createdb -h 127.0.0.1 -U postgres micromall_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python bench/settlement.py [rows]

It writes the volume with set-based SQL (500,000 completed orders past their
after-sales window, one line each, a level-1 and a level-2 commission per line, the
"earned" ledger rows and the accounts), then times `commissions_release_due()`, and
checks the books afterwards: every row released, balances equal to the ledger.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from distribution.models import Account, Commission, LedgerEntry  # noqa: E402
from distribution.services.commissions import commissions_release_due  # noqa: E402
from distribution.services.reconcile import reconcile  # noqa: E402
from mall.models import SKU, Category, Order, OrderLine, Product  # noqa: E402
from members.models import Member  # noqa: E402

SHARERS = 10_000


def tables() -> dict[str, str]:
    models = {"member": Member, "order": Order, "line": OrderLine, "commission": Commission, "ledger": LedgerEntry,
              "account": Account, "sku": SKU, "product": Product, "category": Category}
    return {name: model._meta.db_table for name, model in models.items()}


def fill(rows: int) -> None:
    orders = rows // 2
    t = tables()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {t['ledger']}, {t['commission']}, {t['account']}, {t['line']}, {t['order']} RESTART IDENTITY CASCADE")
        cursor.execute(f"DELETE FROM {t['member']} WHERE username LIKE 'bench_%%'")
        category, _ = Category.objects.get_or_create(name="bench", parent=None)
        product, _ = Product.objects.get_or_create(title="bench", category=category)
        sku, _ = SKU.objects.get_or_create(product=product, spec={}, defaults={"price_fen": 10000, "stock": 0})
        cursor.execute(
            f"""INSERT INTO {t['member']} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                    date_joined, nickname, avatar_url, gender, province, city, phone, source_channel, referral_code, points,
                    balance_fen, attributes, is_subscribed)
                SELECT '!', false, 'bench_' || i, '', '', '', false, true, now(), 'sharer ' || i, '', 0, '', '', '', '',
                       'B' || lpad(i::text, 10, '0'), 0, 0, '{{}}', false
                FROM generate_series(1, %s) i""",
            [SHARERS],
        )
        cursor.execute(f"SELECT min(id) FROM {t['member']} WHERE username LIKE 'bench_%%'")
        first = cursor.fetchone()[0]
        # Orders: completed, their after-sales window closed yesterday; bought by sharer i.
        cursor.execute(
            f"""INSERT INTO {t['order']} (number, member_id, status, goods_fen, shipping_fen, discount_fen, pay_fen, refunded_fen,
                    receiver_name, receiver_phone, province, city, district, address_detail, note, carrier, tracking_number,
                    created_at, expires_at, paid_at, shipped_at, completed_at, after_sales_deadline, updated_at)
                SELECT 'B' || lpad(i::text, 20, '0'), %s + (i %% %s), 'completed', 10000, 0, 0, 10000, 0,
                       'x', '13800000000', 'p', 'c', '', 'd', '', 'SF', 'SF0',
                       now() - interval '20 days', now() - interval '20 days', now() - interval '20 days',
                       now() - interval '19 days', now() - interval '8 days', now() - interval '1 day', now()
                FROM generate_series(1, %s) i""",
            [first, SHARERS, orders],
        )
        cursor.execute(
            f"""INSERT INTO {t['line']} (order_id, sku_id, product_id, title, spec, image, price_fen, quantity, discount_fen, pay_fen)
                SELECT id, %s, %s, 'bench', '{{}}', '', 10000, 1, 0, 10000 FROM {t['order']}""",
            [sku.pk, product.pk],
        )
        # Level 1 earns 10.00 and level 2 earns 5.00 on every line, to two other sharers.
        cursor.execute(
            f"""INSERT INTO {t['commission']} (order_id, line_id, beneficiary_id, level, base_fen, rate_bp, amount_fen, voided_fen,
                    status, available_at, created_at)
                SELECT l.order_id, l.id, %s + ((o.member_id - %s + lvl) %% %s), lvl, 10000,
                       CASE lvl WHEN 1 THEN 1000 ELSE 500 END, CASE lvl WHEN 1 THEN 1000 ELSE 500 END, 0, 'frozen', NULL,
                       now() - interval '20 days'
                FROM {t['line']} l JOIN {t['order']} o ON o.id = l.order_id CROSS JOIN (VALUES (1), (2)) AS levels(lvl)""",
            [first, first, SHARERS],
        )
        cursor.execute(
            f"""INSERT INTO {t['ledger']} (member_id, kind, commission_id, withdrawal_id, frozen_delta, available_delta,
                    withdrawing_delta, withdrawn_delta, source_key, created_at)
                SELECT beneficiary_id, 'earned', id, NULL, amount_fen, 0, 0, 0, 'commission:' || id || ':earned', created_at
                FROM {t['commission']}"""
        )
        cursor.execute(
            f"""INSERT INTO {t['account']} (member_id, frozen_fen, available_fen, withdrawing_fen, withdrawn_fen)
                SELECT beneficiary_id, SUM(amount_fen), 0, 0, 0 FROM {t['commission']} GROUP BY beneficiary_id"""
        )
    # In production these rows are written over weeks and autovacuum has long visited
    # them; vacuum now so the timing is the job's, not a first read after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(rows)
    filled = time.perf_counter() - started
    frozen = Commission.objects.filter(status="frozen").count()
    print(f"filled {frozen:,} frozen commissions over {rows // 2:,} orders and {SHARERS:,} sharers in {filled:.1f} s")

    started = time.perf_counter()
    released = commissions_release_due()
    took = time.perf_counter() - started
    print(f"settlement: released {released:,} commissions in {took:.1f} s ({released / took:,.0f} rows/s)")

    started = time.perf_counter()
    differences = reconcile()
    print(f"reconciliation of {SHARERS:,} sharers: {len(differences)} difference(s), {time.perf_counter() - started:.1f} s")
    still_frozen = Commission.objects.filter(status="frozen").count()
    print(f"left frozen: {still_frozen}; released ledger rows: {LedgerEntry.objects.filter(kind='released').count():,}")
    if still_frozen or differences or released != frozen:
        sys.exit("the books do not add up")


if __name__ == "__main__":
    main()
