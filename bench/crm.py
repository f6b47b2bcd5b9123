"""The CRM over a million members: members of our own written with set-based SQL beside
whatever the database holds (the large shop of `make bench`), the segment `bench/batch.py`
times against its hand-written SQL, and, run on its own, the CRM's other batch figures.

Usage on its own (a PostgreSQL database it may add to; it is migrated first):

    createdb -h 127.0.0.1 -U postgres micromall_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python bench/crm.py [members]

`members` (1,000,000 by default) members named crmbench_<n>, each property from its own hash
of n: region, gender, 肤质 and 身高 in the attributes, 70 % followers with an openid, a tag on
one in ten; purchase stats for 40 % of them and one to three products bought each, among the
shop's products on sale (or a catalogue of our own in an empty database). A fill already
there is kept and only topped up: the segment count only reads it. Then it times:

- the count of a 3-rule segment (广东, 女, bought skincare), against the hand-written SQL
  for the same rules (aim < 300 ms; bench/batch.py's segment_count);
- the nightly RFM recompute for all buyers (aim < 2 min);
- enqueueing a push to a segment of at least 100,000 followers (aim < 30 s).
"""

import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The enqueue hands batches to Celery; here nobody sends them, so they stay in memory.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.shop import _bulk_load  # noqa: E402
from crm.models import MemberTag, PurchasedProduct, PurchaseStats, Push, PushRecipient, Segment, Tag  # noqa: E402
from crm.services.pushes import push_enqueue  # noqa: E402
from crm.services.rfm import rfm_recompute  # noqa: E402
from mall.models import Category, Product  # noqa: E402
from members.models import AttributeKind, Gender, Member, ProfileAttribute  # noqa: E402

PROVINCES = ["广东", "浙江", "江苏", "上海", "北京", "四川", "湖北", "山东", "福建", "河南"]
SKIN_TYPES = ["油性", "干性", "混合", "中性", "敏感"]
CATEGORIES = 20
PRODUCTS_PER_CATEGORY = 10
PREFIX = "crmbench_"
OUR_USERNAMES = PREFIX.replace("_", "\\_") + "%"  # a LIKE pattern: its own "_" means any character
MEMBER = Member._meta.db_table


def fill(members: int) -> int:
    """Make sure `members` members of our own exist, writing only those missing, with their
    purchases; returns the id of the category the segment calls skincare."""
    attributes()
    products, skincare = catalogue()
    with transaction.atomic(), connection.cursor() as raw:
        cursor = _Timed(raw)
        cursor.execute(f"SELECT count(*) FROM {MEMBER} WHERE username LIKE %s", [OUR_USERNAMES])
        have = cursor.fetchone()[0]
        if have >= members:
            print(f"  kept the {have:,} members of an earlier fill")
            return skincare
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {MEMBER}")
        before = cursor.fetchone()[0]
        _members(cursor, have + 1, members)
        # Ours and new: the rows just written (ids only grow).
        new = f"SELECT id FROM {MEMBER} WHERE id > {int(before)} AND username LIKE %s"
        tag, _ = Tag.objects.get_or_create(name="bench 老客")
        # Checked per row, the foreign keys of a million purchase rows cost more than writing them.
        with _bulk_load([PurchaseStats, PurchasedProduct, MemberTag]):
            _purchases(cursor, new, products)
            cursor.execute(
                f"INSERT INTO {MemberTag._meta.db_table} (member_id, tag_id, added_at) SELECT id, %s, now() FROM ({new}) m WHERE mod(id, 10) = 0",
                [tag.pk, OUR_USERNAMES],
            )
    return skincare


def attributes() -> None:
    ProfileAttribute.objects.get_or_create(key="skin_type", defaults={"label": "肤质", "kind": AttributeKind.CHOICE, "choices": SKIN_TYPES})
    ProfileAttribute.objects.get_or_create(key="height_cm", defaults={"label": "身高", "kind": AttributeKind.NUMBER, "unit": "cm"})


def catalogue() -> tuple[list[int], int]:
    """The products members bought, and skincare: the shop's products on sale and its first
    category without subcategories; in an empty database 20 categories of 10 products of our
    own, the first being skincare."""
    on_sale = Product.objects.filter(is_on_sale=True)
    if not on_sale.exists():
        _own_catalogue()
    skincare = (
        Category.objects.filter(children__isnull=True, pk__in=on_sale.values("category_id")).order_by("pk").values_list("pk", flat=True).first()
    )
    return list(on_sale.order_by("pk").values_list("pk", flat=True)), skincare


def _own_catalogue() -> None:
    categories = Category.objects.bulk_create(Category(name=f"bench 分类 {n}", position=n) for n in range(CATEGORIES))
    Product.objects.bulk_create(
        Product(title=f"{category.name} 商品 {n}", category=category) for category in categories for n in range(PRODUCTS_PER_CATEGORY)
    )


def _members(cursor, first: int, last: int) -> None:
    # Every property from its own hash of n, so none depends on another.
    cursor.execute(
        f"""INSERT INTO {MEMBER} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                date_joined, nickname, avatar_url, gender, province, city, phone, source_channel, referral_code, points,
                balance_fen, attributes, is_subscribed, openid)
            SELECT '!', false, %s || i, '', '', '', false, true, now() - mod(abs(hashint4(i + 1)), 720) * interval '1 day',
                   'm' || i, '', 1 + mod(abs(hashint4(i + 2)), 2), (%s::text[])[1 + mod(abs(hashint4(i + 3)), 10)], '', '', '',
                   'C' || lpad(i::text, 12, '0'), mod(abs(hashint4(i + 4)), 5000), 0,
                   jsonb_build_object('skin_type', (%s::text[])[1 + mod(abs(hashint4(i + 5)), 5)],
                                      'height_cm', 150 + mod(abs(hashint4(i + 6)), 40)),
                   mod(abs(hashint4(i + 7)), 10) < 7, %s || i
            FROM generate_series(%s::integer, %s::integer) i""",
        [PREFIX, PROVINCES, SKIN_TYPES, PREFIX, first, last],
    )


def _purchases(cursor, new: str, products: list[int]) -> None:
    """Purchase stats for 40 % of the new members, and one to three products bought each (a
    product drawn twice counts once)."""
    buyers = f"SELECT id FROM ({new}) m WHERE mod(abs(hashint4(((id + 8)::int))), 5) < 2"
    cursor.execute(
        f"""INSERT INTO {PurchaseStats._meta.db_table} (member_id, order_count, paid_fen, first_paid_at, last_paid_at, updated_at)
            SELECT id, 1 + mod(abs(hashint4(((id + 9)::int))), 12), 1000 + mod(abs(hashint4(((id + 10)::int))), 200000),
                   now() - (400 + mod(abs(hashint4(((id + 11)::int))), 300)) * interval '1 day',
                   now() - mod(abs(hashint4(((id + 12)::int))), 365) * interval '1 day', now()
            FROM ({buyers}) b""",
        [OUR_USERNAMES],
    )
    cursor.execute(
        f"""INSERT INTO {PurchasedProduct._meta.db_table} (member_id, product_id, category_id, quantity, last_paid_at)
            SELECT DISTINCT ON (b.id, p.id) b.id, p.id, p.category_id, 1 + n,
                   now() - mod(abs(hashint4(((b.id + 12)::int))), 365) * interval '1 day'
            FROM ({buyers}) b CROSS JOIN generate_series(0, mod(abs(hashint4(((b.id + 13)::int))), 3)) n
            JOIN {Product._meta.db_table} p ON p.id = (%s::int[])[1 + mod(abs(hashint4(((b.id * 3 + n)::int))), %s)]""",
        [OUR_USERNAMES, products, len(products)],
    )


class _Timed:
    """A cursor that prints how long each statement of the fill took."""

    def __init__(self, cursor):
        self.cursor = cursor

    def execute(self, sql, params=None):
        started = time.perf_counter()
        self.cursor.execute(sql, params)
        print(f"  {' '.join(sql.split())[:60]}… {time.perf_counter() - started:.1f} s", flush=True)

    def fetchone(self):
        return self.cursor.fetchone()


# --- The segment and its hand-written SQL ---------------------------------------------------


def segment_rules(skincare: int) -> dict:
    """广东, 女, bought skincare: all three."""
    return {"match": "all", "rules": [
        {"field": "province", "op": "eq", "value": "广东"},
        {"field": "gender", "op": "eq", "value": Gender.FEMALE},
        {"field": "categories", "op": "any", "value": [skincare]},
    ]}


def count_by_hand(skincare: int) -> int:
    """The same rules written by hand: a reachable shopper (active, not erased, not an
    operator) of 广东, female, who bought in the category (skincare has no subcategories)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {MEMBER} m WHERE m.is_active AND NOT m.is_staff AND NOT m.is_superuser
                AND m.erased_at IS NULL AND m.province = '广东' AND m.gender = %s
                AND EXISTS (SELECT 1 FROM {PurchasedProduct._meta.db_table} p WHERE p.member_id = m.id AND p.category_id = %s)""",
            [Gender.FEMALE, skincare],
        )
        return cursor.fetchone()[0]


# --- The other figures, run on its own ------------------------------------------------------


def timed(label: str, work, aim: float):
    started = time.perf_counter()
    result = work()
    took = time.perf_counter() - started
    print(f"{label}: {took * 1000:,.0f} ms — {'within the aim' if took < aim else f'OVER the aim of {aim:g} s'}")
    return result


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
    from django.core.management import call_command

    from bench import batch

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
    call_command("migrate", verbosity=0)
    result = batch.segment_count(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(batch.describe(result))
    timed("RFM recompute for all buyers", rfm_recompute, 120)
    push_figures()
    if not result["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
