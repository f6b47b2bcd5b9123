"""Benchmark: the CRM over 1,000,000 members.

Usage (a PostgreSQL database this script may fill; it is migrated first):

    createdb -h 127.0.0.1 -U postgres micromall_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python bench/crm.py [members]

It empties the members (and every row that points at them), writes new ones with set-based SQL — regions, gender, the operator-defined
attributes 肤质 and 身高, followers with an openid, a tag on some — and purchase stats and
products bought for 40 % of them, then times:

- the count of a 3-rule segment (广东, 女, bought skincare), against the hand-written SQL
  for the same rules (aim < 300 ms);
- the nightly RFM recompute for all buyers (aim < 2 min);
- enqueueing a push to a segment of at least 100,000 followers (aim < 30 s).
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The enqueue hands batches to Celery; here nobody sends them, so they stay in memory.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.models import Push, PushRecipient, Segment, Tag  # noqa: E402
from crm.selectors.segments import segment_count  # noqa: E402
from crm.services.pushes import push_enqueue  # noqa: E402
from crm.services.rfm import rfm_recompute  # noqa: E402
from mall.models import Category, Product  # noqa: E402
from members.models import AttributeKind, Member, ProfileAttribute  # noqa: E402

PROVINCES = ["广东", "浙江", "江苏", "上海", "北京", "四川", "湖北", "山东", "福建", "河南"]
SKIN_TYPES = ["油性", "干性", "混合", "中性", "敏感"]
CATEGORIES = 20
PRODUCTS_PER_CATEGORY = 10


def catalogue() -> tuple[list[int], int]:
    """20 categories of 10 products; the first is skincare. Product ids, skincare's id."""
    categories = [Category.objects.get_or_create(name=f"bench 分类 {n}", parent=None)[0] for n in range(CATEGORIES)]
    skincare = categories[0]
    products = []
    for category in categories:
        for n in range(PRODUCTS_PER_CATEGORY):
            products.append(Product.objects.get_or_create(title=f"{category.name} 商品 {n}", category=category)[0].pk)
    return products, skincare.pk


def attributes() -> None:
    ProfileAttribute.objects.get_or_create(key="skin_type", defaults={"label": "肤质", "kind": AttributeKind.CHOICE, "choices": SKIN_TYPES})
    ProfileAttribute.objects.get_or_create(key="height_cm", defaults={"label": "身高", "kind": AttributeKind.NUMBER, "unit": "cm"})


def fill(members: int, products: list[int]) -> None:
    member_table = Member._meta.db_table
    with connection.cursor() as raw:
        cursor = _Timed(raw)
        # The database is the bench's: members go whole, with every row pointing at them
        # (deleting a million members row by row checks each of their foreign keys).
        cursor.execute(f"TRUNCATE {member_table} CASCADE")
        # Every property from its own hash of the row number, so none depends on another.
        cursor.execute(
            f"""INSERT INTO {member_table} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                    date_joined, nickname, avatar_url, gender, province, city, phone, source_channel, referral_code, points,
                    balance_fen, attributes, is_subscribed, openid)
                SELECT '!', false, 'crmbench_' || i, '', '', '', false, true, now() - mod(abs(hashint4(i + 1)), 720) * interval '1 day',
                       'm' || i, '', 1 + mod(abs(hashint4(i + 2)), 2), (%s::text[])[1 + mod(abs(hashint4(i + 3)), 10)], '', '', '',
                       'C' || lpad(i::text, 12, '0'), mod(abs(hashint4(i + 4)), 5000), 0,
                       jsonb_build_object('skin_type', (%s::text[])[1 + mod(abs(hashint4(i + 5)), 5)],
                                          'height_cm', 150 + mod(abs(hashint4(i + 6)), 40)),
                       mod(abs(hashint4(i + 7)), 10) < 7, 'crmbench_' || i
                FROM generate_series(1, %s) i""",
            [PROVINCES, SKIN_TYPES, members],
        )
        cursor.execute(f"SELECT min(id), max(id) FROM {member_table} WHERE username LIKE 'crmbench_%%'")
        first, last = cursor.fetchone()
        buyers = f"SELECT id FROM {member_table} WHERE id BETWEEN {first} AND {last} AND mod(abs(hashint4(((id + 8)::int))), 5) < 2"
        cursor.execute(
            f"""INSERT INTO crm_purchasestats (member_id, order_count, paid_fen, first_paid_at, last_paid_at, updated_at)
                SELECT id, 1 + mod(abs(hashint4(((id + 9)::int))), 12), 1000 + mod(abs(hashint4(((id + 10)::int))), 200000),
                       now() - (400 + mod(abs(hashint4(((id + 11)::int))), 300)) * interval '1 day',
                       now() - mod(abs(hashint4(((id + 12)::int))), 365) * interval '1 day', now()
                FROM ({buyers}) b"""
        )
        # One to three products each; the first category is skincare.
        cursor.execute(
            f"""INSERT INTO crm_purchasedproduct (member_id, product_id, category_id, quantity, last_paid_at)
                SELECT b.id, p.id, p.category_id, 1 + n, now() - mod(abs(hashint4(((b.id + 12)::int))), 365) * interval '1 day'
                FROM ({buyers}) b CROSS JOIN generate_series(0, mod(abs(hashint4(((b.id + 13)::int))), 3)) n
                JOIN {Product._meta.db_table} p ON p.id = (%s::int[])[1 + mod(abs(hashint4(((b.id * 3 + n)::int))), %s)]
                ON CONFLICT DO NOTHING""",
            [products, len(products)],
        )
        tag, _ = Tag.objects.get_or_create(name="bench 老客")
        cursor.execute(
            f"""INSERT INTO crm_membertag (member_id, tag_id, added_at)
                SELECT id, %s, now() FROM {member_table} WHERE id BETWEEN %s AND %s AND mod(id, 10) = 0""",
            [tag.pk, first, last],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


class _Timed:
    """A cursor that prints how long each statement of the fill took."""

    def __init__(self, cursor):
        self.cursor = cursor

    def execute(self, sql, params=None):
        started = time.perf_counter()
        self.cursor.execute(sql, params)
        print(f"  {' '.join(sql.split())[:60]}… {time.perf_counter() - started:.1f} s")

    def fetchone(self):
        return self.cursor.fetchone()


def timed(label: str, work, aim: float | None = None):
    started = time.perf_counter()
    result = work()
    took = time.perf_counter() - started
    verdict = "" if aim is None else (" — within the aim" if took < aim else f" — OVER the aim of {aim:g} s")
    print(f"{label}: {took * 1000:,.0f} ms{verdict}")
    return result, took


def segment_figures(skincare: int) -> None:
    rules = {"match": "all", "rules": [
        {"field": "province", "op": "eq", "value": "广东"},
        {"field": "gender", "op": "eq", "value": 2},
        {"field": "categories", "op": "any", "value": [skincare]},
    ]}
    segment_count(rules)  # a first run warms the caches the next ones use, as in a live admin
    counted, ours = min((timed("3-rule segment count (广东, 女, bought skincare)", lambda: segment_count(rules), 0.3) for _ in range(3)),
                        key=lambda run: run[1])

    def by_hand():
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT count(*) FROM members_member m WHERE m.is_active AND NOT m.is_staff AND NOT m.is_superuser
                   AND m.erased_at IS NULL AND m.province = '广东' AND m.gender = 2
                   AND EXISTS (SELECT 1 FROM crm_purchasedproduct p WHERE p.member_id = m.id AND p.category_id = %s)""",
                [skincare],
            )
            return cursor.fetchone()[0]

    expected, bare = min((timed("the same count in hand-written SQL", by_hand) for _ in range(3)), key=lambda run: run[1])
    print(f"  {counted:,} members (hand-written: {expected:,}); ratio hand-written / ours = {bare / ours:.2f}")
    if counted != expected:
        sys.exit("the segment count disagrees with the hand-written SQL")


def push_figures() -> None:
    segment, _ = Segment.objects.update_or_create(
        name="bench 推送", defaults={"rules": {"match": "all", "rules": [{"field": "province", "op": "in", "value": PROVINCES[:2]}]}}
    )
    Push.objects.filter(segment=segment).delete()
    push = Push.objects.create(title="bench", target="/", segment=segment, send_at=timezone.now() - timedelta(seconds=1),
                               status=Push.Status.SCHEDULED, test_sent_at=timezone.now())
    timed("enqueue a push", lambda: push_enqueue(push_id=push.pk), 30)
    queued = PushRecipient.objects.filter(push=push).count()
    print(f"  {queued:,} recipients queued")
    if queued < 100_000:
        sys.exit("the push reached fewer than 100,000 members: make the bench's segment larger")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0)
    attributes()
    products, skincare = catalogue()
    _, took = timed("fill", lambda: fill(members, products))
    print(f"  {members:,} members, {Member.objects.filter(purchase_stats__isnull=False).count():,} of them buyers")
    segment_figures(skincare)
    timed("RFM recompute for all buyers", rfm_recompute, 120)
    push_figures()


if __name__ == "__main__":
    main()
