"""The large shop the benchmarks run against, seeded with set-based SQL in well under a minute.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/micromall_bench .venv/bin/python -m bench.shop

empties the database's shop tables (TRUNCATE … CASCADE: the database is the bench's), migrates
it, and writes at full scale: 20 categories (5 roots with 3 children each), 2,000 products on
sale with 5 SKUs each (prices in fen, stock, one shared cover picture), 100,000 members (openid,
nickname, 200 opening points, a default address), 200,000 orders of one to three lines over the
past six months (completed, shipped, paid, cancelled, with their status events), the demo's
campaigns (check-in, the wheel with its prize stock, the red packet …) through
`demo.campaigns.seed_campaigns`, a red packet of 10,000 shares for the crowd, and a flash-sale
SKU of 1,000 units. Each step prints its time; then VACUUM (ANALYZE).

`seed()` returns a `Shop` with the ids the scenarios need; `load()` rebuilds it from a seeded
database; `sessions()` writes one logged-in session per member and the cookie lines wrk reads.
Rows that only a bare "limit" view touches (a prize, a packet, a flash SKU of their own) are
seeded beside the real ones, so the two sides of a comparison never take each other's stock.
"""

import os
import secrets
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore as CachedSessionStore  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache, caches  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from solo.models import SingletonModel  # noqa: E402

from campaigns.models import Campaign, PacketDelivery, Play, RedPacket, SplitMode, Wheel, WheelPrize  # noqa: E402
from campaigns.services.packets import MAX_SHARES, red_packet_create  # noqa: E402
from demo.campaigns import seed_campaigns  # noqa: E402
from demo.pictures import product_picture  # noqa: E402
from mall.models import SKU, Address, Category, Order, OrderEvent, OrderLine, Payment, Product, ProductImage  # noqa: E402
from members.models import Member, PointsEntry  # noqa: E402

# The apps whose tables the seed empties (their settings singletons stay as the operator left them).
SHOP_APPS = ("outbox", "wechat", "members", "mall", "campaigns", "distribution", "crm", "demo")
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # members.models' alphabet: no 0/O/1/I/L
PROVINCES = ["广东", "浙江", "江苏", "上海", "北京", "四川", "湖北", "山东", "福建", "河南"]
CITIES = ["广州", "杭州", "南京", "上海", "北京", "成都", "武汉", "济南", "福州", "郑州"]
COVER = "bench/cover.jpg"
COVER_THUMB = "bench/cover-thumb.jpg"
OPENING_POINTS = 200  # the demo wheel costs 10 points a spin, 3 spins a day
FLASH_TITLE = "限时秒杀 压测爆款"
BARE_FLASH_TITLE = "对照秒杀（压测用，不上架）"
CROWD_PACKET_TITLE = "压测红包"
BARE_PACKET_TITLE = "对照红包"
BARE_WHEEL_TITLE = "对照转盘"
SKU_STOCK = 1000
BARE_PRIZE_STOCK = 10_000_000


@dataclass
class Shop:
    """What a seeded shop holds, by id: what the scenarios send requests about."""

    category_ids: list[int]
    product_ids: list[int]
    sku_ids: list[int]
    member_ids: list[int]
    address_ids: list[int]  # the default address of member_ids[n] is address_ids[n]
    checkin_campaign_id: int
    wheel_id: int
    prize_ids: list[int]
    packet_id: int  # the crowd's red packet (balance shares)
    packet_shares: int
    flash_sku_id: int
    flash_units: int
    bare_prize_id: int  # a prize of a wheel of its own, with stock, for the bare spin
    bare_packet_id: int  # a packet of the same size, for the bare grab
    bare_flash_sku_id: int  # the same stock on a product not on sale, for the bare checkout

    @property
    def leaf_category_ids(self) -> list[int]:
        """The child categories (products sit in every category; roots list their children's too)."""
        with_children = set(Category.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
        return [pk for pk in self.category_ids if pk not in with_children]


@contextmanager
def step(label: str, timings: dict | None = None):
    started = time.perf_counter()
    yield
    took = time.perf_counter() - started
    if timings is not None:
        timings[label] = took
    print(f"  {label:<38} {took:6.1f} s", flush=True)


def seed(*, products: int = 2000, skus_per_product: int = 5, categories: int = 20, members: int = 100_000,
         orders: int = 200_000, packet_shares: int = MAX_SHARES, flash_units: int = 1000, timings: dict | None = None) -> Shop:
    """Empty the shop's tables and fill them; returns the ids the scenarios need."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the bench shop is seeded with PostgreSQL's SQL: DATABASE_URL=postgres://…")
    with transaction.atomic():
        with step("empty the shop's tables", timings):
            empty()
        with step(f"{categories} categories, {products:,} products", timings):
            category_ids = _categories(categories)
            product_ids = _products(category_ids, products, skus_per_product)
        with step(f"{products * skus_per_product:,} SKUs, covers", timings):
            _skus(skus_per_product)
            _covers()
            flash_sku_id = _flash_sku(FLASH_TITLE, category_ids[0], flash_units, on_sale=True)
            bare_flash_sku_id = _flash_sku(BARE_FLASH_TITLE, category_ids[0], flash_units, on_sale=False)
        with _bulk_load([Member, PointsEntry, Address, Order, OrderLine, OrderEvent], timings):
            with step(f"{members:,} members, points, addresses", timings):
                member_ids = _members(members)
                address_ids = _addresses()
            with step(f"{orders:,} orders with their lines", timings):
                _orders(orders, product_ids)
            with step("order events, product sales", timings):
                _events()
                _sales()
        with step("the demo's campaigns, packets", timings):
            ids = _campaigns(packet_shares)
    with step("VACUUM (ANALYZE)", timings):
        _vacuum()
    cache.clear()  # cached settings, rules and pages would describe the shop that was emptied
    return Shop(
        category_ids=category_ids, product_ids=product_ids,
        sku_ids=list(SKU.objects.filter(product_id__in=product_ids).order_by("pk").values_list("pk", flat=True)),
        member_ids=member_ids, address_ids=address_ids, flash_sku_id=flash_sku_id, flash_units=flash_units,
        bare_flash_sku_id=bare_flash_sku_id, packet_shares=packet_shares, **ids,
    )


def load() -> Shop:
    """The Shop of a database seeded before (to run scenarios again without seeding)."""
    flash = SKU.objects.get(product__title=FLASH_TITLE)
    bare_flash = SKU.objects.get(product__title=BARE_FLASH_TITLE)
    product_ids = list(Product.objects.exclude(pk__in=[flash.product_id, bare_flash.product_id]).order_by("pk").values_list("pk", flat=True))
    member_ids, address_ids = [], []
    for member_id, address_id in Address.objects.filter(is_default=True).order_by("member_id").values_list("member_id", "pk"):
        member_ids.append(member_id)
        address_ids.append(address_id)
    packet = RedPacket.objects.get(title=CROWD_PACKET_TITLE)
    return Shop(
        category_ids=list(Category.objects.order_by("pk").values_list("pk", flat=True)), product_ids=product_ids,
        sku_ids=list(SKU.objects.filter(product_id__in=product_ids).order_by("pk").values_list("pk", flat=True)),
        member_ids=member_ids, address_ids=address_ids, flash_sku_id=flash.pk, flash_units=flash.stock + _sold(flash.pk),
        bare_flash_sku_id=bare_flash.pk, packet_shares=packet.shares, **_campaign_ids(packet),
    )


def _sold(sku_id: int) -> int:
    return sum(OrderLine.objects.filter(sku_id=sku_id).exclude(order__status="cancelled").values_list("quantity", flat=True))


def counts() -> dict[str, int]:
    models = {"categories": Category, "products": Product, "skus": SKU, "product images": ProductImage, "members": Member,
              "addresses": Address, "points entries": PointsEntry, "orders": Order, "order lines": OrderLine,
              "order events": OrderEvent, "campaigns": Campaign, "wheel prizes": WheelPrize, "red packets": RedPacket}
    return {name: model.objects.count() for name, model in models.items()}


# --- Emptying ----------------------------------------------------------------------------


def empty() -> None:
    """TRUNCATE every table of the shop's apps, sessions and the admin log (not the operator's
    settings singletons, nor the groups and schedules migrations install)."""
    tables = {"django_session", "django_admin_log"}
    for label in SHOP_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not issubclass(model, SingletonModel) and not model._meta.proxy and model._meta.managed:
                tables.add(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(sorted(tables))} RESTART IDENTITY CASCADE")


@contextmanager
def _bulk_load(models: list, timings: dict | None = None):
    """PostgreSQL's advice for populating a database: drop the tables' foreign keys, unique
    constraints (those no foreign key leans on) and plain indexes, load, then build each index
    in one sort and check each constraint in one pass (instead of an index insert and a
    deferred trigger per row). Inside the seed's transaction: a failure puts everything back."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint c
               WHERE conrelid = ANY(%s::regclass[]) AND (contype = 'f' OR contype = 'u' AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
               ORDER BY contype, oid""",
            [tables],
        )
        constraints = cursor.fetchall()  # the foreign keys first
        cursor.execute(
            """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
               WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
               ORDER BY indexrelid""",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks the catalogue's rows still owe, before the drop
        for table, name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with step(f"{len(indexes)} indexes, {len(constraints)} constraints back", timings), connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in reversed(constraints):  # the unique keys, then the foreign keys
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- Catalogue ---------------------------------------------------------------------------


def _categories(count: int) -> list[int]:
    """A quarter of them roots, the rest their children, spread evenly."""
    roots = [Category.objects.create(name=f"类目 {n + 1}", position=n) for n in range(max(1, count // 4))]
    children = [
        Category.objects.create(name=f"{roots[n % len(roots)].name}·{n // len(roots) + 1}", parent=roots[n % len(roots)], position=n)
        for n in range(count - len(roots))
    ]
    return [category.pk for category in roots + children]


def _products(category_ids: list[int], count: int, skus_per_product: int) -> list[int]:
    """Product i sits in category i mod n: a hundred products (five pages of 20) each at full scale."""
    values = [f"款式 {n}" for n in range(1, skus_per_product + 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Product._meta.db_table} (title, subtitle, category_id, description_html, specs, is_on_sale, is_featured,
                    sales, purchase_limit, position, created_at, updated_at)
                SELECT '压测商品 ' || i, '第 ' || i || ' 号 · 压测用商品', (%(categories)s::bigint[])[1 + mod(i - 1, %(n)s)],
                       '<p>压测商品 ' || i || ' 的详情。</p><img src="' || %(cover)s || '" alt="">',
                       jsonb_build_array(jsonb_build_object('name', '规格', 'values', %(values)s::jsonb)), true, mod(i, 100) = 0,
                       0, NULL, 0, now() - i * interval '1 hour', now()
                FROM generate_series(1, %(count)s) i
                RETURNING id""",
            {"categories": category_ids, "n": len(category_ids), "cover": default_storage.url(COVER),
             "values": _json(values), "count": count},
        )
        return sorted(row[0] for row in cursor.fetchall())


def _skus(per_product: int) -> None:
    """Prices from ¥9.90 to ¥509.90 by product, ¥5 more per style; a struck-through price 30 % above."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {SKU._meta.db_table} (product_id, spec, spec_key, code, price_fen, original_price_fen, stock, image, is_active)
                SELECT p.id, jsonb_build_object('规格', '款式 ' || n), '规格:款式 ' || n, 'B' || p.id || '-' || n, price, price * 13 / 10,
                       %s, '', true
                FROM {Product._meta.db_table} p CROSS JOIN generate_series(1, %s) n
                CROSS JOIN LATERAL (SELECT 990 + mod(abs(hashint4(p.id::int)), 500) * 100 + (n - 1) * 500 AS price) priced""",
            [SKU_STOCK, per_product],
        )


def _covers() -> None:
    """One picture file shared by every product (the pages need a cover, not a thousand files)."""
    if not default_storage.exists(COVER):
        default_storage.save(COVER, ContentFile(product_picture("box", "#d49a4a", size=750)))
    if not default_storage.exists(COVER_THUMB):
        default_storage.save(COVER_THUMB, ContentFile(product_picture("box", "#d49a4a", size=240)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ProductImage._meta.db_table} (product_id, image, thumbnail, position) "
            f"SELECT id, %s, %s, 0 FROM {Product._meta.db_table}",
            [COVER, COVER_THUMB],
        )


def _flash_sku(title: str, category_id: int, units: int, *, on_sale: bool) -> int:
    product = Product.objects.create(title=title, subtitle="1,000 件，售完即止", category_id=category_id, is_on_sale=on_sale,
                                     is_featured=on_sale, description_html="<p>限时秒杀</p>")
    ProductImage.objects.create(product=product, image=COVER, thumbnail=COVER_THUMB)
    return SKU.objects.create(product=product, spec={}, code=f"FLASH-{product.pk}", price_fen=990, original_price_fen=9900, stock=units).pk


# --- Members -----------------------------------------------------------------------------


def members(count: int, *, points: int = 0) -> list[int]:
    """`count` WeChat members (openid, nickname, region), each with `points` opening points
    on the ledger; their ids in order."""
    table = Member._meta.db_table
    code = " || ".join(f"substr(%(alphabet)s, 1 + mod(i / {31 ** p}, 31), 1)" for p in range(6, -1, -1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined,
                    openid, nickname, avatar_url, gender, province, city, phone, source_channel, referral_code, points, balance_fen,
                    attributes, is_subscribed, subscribed_at)
                SELECT '!', false, 'bench_' || i, '', '', '', false, true, joined, 'obench' || lpad(i::text, 23, '0'), '压测 ' || i, '',
                       mod(abs(hashint4(i + 1)), 3), (%(provinces)s::text[])[1 + region], (%(cities)s::text[])[1 + region],
                       '139' || lpad(i::text, 8, '0'), '', 'B' || {code}, %(points)s, 0, '{{}}', following,
                       CASE WHEN following THEN joined END
                FROM generate_series(1, %(count)s) i
                CROSS JOIN LATERAL (SELECT now() - mod(abs(hashint4(i + 2)), 365 * 24) * interval '1 hour' AS joined,
                                           mod(abs(hashint4(i + 3)), 10) AS region,
                                           mod(abs(hashint4(i + 4)), 10) < 7 AS following) traits
                RETURNING id""",
            {"provinces": PROVINCES, "cities": CITIES, "alphabet": REFERRAL_ALPHABET, "points": points, "count": count},
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        if points:
            cursor.execute(
                f"""INSERT INTO {PointsEntry._meta.db_table} (member_id, reason, amount, balance_after, source_key, note, created_at)
                    SELECT id, 'adjustment', %s, %s, 'bench:opening:' || id, '开业赠送', date_joined FROM {table} WHERE id = ANY(%s)""",
                [points, points, ids],
            )
    return ids


def _members(count: int) -> list[int]:
    return members(count, points=OPENING_POINTS)


def _addresses() -> list[int]:
    """A default address for every member, as the checkout's address book holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Address._meta.db_table} (member_id, name, phone, province, city, district, detail, is_default, created_at)
                SELECT id, '收货人 ' || id, phone, province, city, '', '压测路 ' || id || ' 号', true, date_joined
                FROM {Member._meta.db_table} ORDER BY id
                RETURNING member_id, id"""
        )
        return [address_id for _, address_id in sorted(cursor.fetchall())]


# --- Orders ------------------------------------------------------------------------------

# Order i: one line (60 %), two (30 %) or three (10 %); placed over the past 180 days by a
# member drawn by hash; cancelled 15 % of the time, otherwise by its age: paid (under two days),
# shipped (under twelve), completed (the after-sales window a week after completion).
_PLAN = """
CREATE TEMP TABLE bench_plan AS
SELECT i, k, s.id AS sku_id, s.product_id, s.price_fen, s.spec, p.title, 1 + mod(abs(hashint4(i * 3 + k)), 2) AS quantity
FROM generate_series(1, %(orders)s) i
CROSS JOIN LATERAL generate_series(1, 1 + (mod(abs(hashint4(i)), 10) >= 6)::int + (mod(abs(hashint4(i)), 10) >= 9)::int) k
JOIN {sku} s ON s.id = (%(skus)s::bigint[])[1 + mod(mod(abs(hashint4(i + 11)), %(n)s) + k * 7919, %(n)s)]
JOIN {product} p ON p.id = s.product_id
"""

_ORDERS = """
WITH totals AS (
    SELECT i, sum(price_fen * quantity) AS goods FROM bench_plan GROUP BY i
), placed AS (
    SELECT i, goods, CASE WHEN goods >= 9900 THEN 0 ELSE 1000 END AS shipping,
           now() - mod(abs(hashint4(i + 5)), 180 * 24 * 60) * interval '1 minute' AS at,
           (%(members)s::bigint[])[1 + mod(abs(hashint4(i + 7)), %(m)s)] AS member_id,
           mod(abs(hashint4(i + 13)), 100) < 15 AS cancelled
    FROM totals
), dated AS (
    SELECT placed.*, CASE WHEN cancelled THEN 'cancelled' WHEN at > now() - interval '2 days' THEN 'paid'
                          WHEN at > now() - interval '12 days' THEN 'shipped' ELSE 'completed' END AS status
    FROM placed
), orders AS (
    INSERT INTO {order} (number, member_id, status, goods_fen, shipping_fen, discount_fen, balance_fen, pay_fen, receiver_name,
        receiver_phone, province, city, district, address_detail, note, operator_note, carrier, tracking_number, refunded_fen,
        balance_refunded_fen, created_at, expires_at, paid_at, shipped_at, completed_at, cancelled_at, after_sales_deadline, updated_at)
    SELECT to_char(d.at AT TIME ZONE %(zone)s, 'YYYYMMDDHH24MISS') || lpad(d.i::text, 10, '0'), d.member_id, d.status, d.goods,
           d.shipping, 0, 0, d.goods + d.shipping, a.name, a.phone, a.province, a.city, a.district, a.detail, '', '',
           CASE WHEN d.status IN ('shipped', 'completed') THEN 'SF' ELSE '' END,
           CASE WHEN d.status IN ('shipped', 'completed') THEN 'SF' || lpad(d.i::text, 12, '0') ELSE '' END, 0, 0,
           d.at, d.at + interval '30 minutes',
           CASE WHEN d.status <> 'cancelled' THEN d.at + interval '2 minutes' END,
           CASE WHEN d.status IN ('shipped', 'completed') THEN d.at + interval '1 day' END,
           CASE WHEN d.status = 'completed' THEN d.at + interval '11 days' END,
           CASE WHEN d.status = 'cancelled' THEN d.at + interval '30 minutes' END,
           CASE WHEN d.status = 'completed' THEN d.at + interval '18 days' END,
           d.at + CASE d.status WHEN 'cancelled' THEN interval '30 minutes' WHEN 'paid' THEN interval '2 minutes'
                                WHEN 'shipped' THEN interval '1 day' ELSE interval '11 days' END
    FROM dated d JOIN {address} a ON a.member_id = d.member_id AND a.is_default
    RETURNING id, number
)
INSERT INTO {line} (order_id, sku_id, product_id, title, spec, image, price_fen, quantity, discount_fen, pay_fen)
SELECT o.id, p.sku_id, p.product_id, p.title, p.spec, %(cover)s, p.price_fen, p.quantity, 0, p.price_fen * p.quantity
FROM orders o JOIN bench_plan p ON p.i = right(o.number, 10)::int
"""


def _orders(count: int, product_ids: list[int]) -> None:
    """Set-based: the lines are planned in a temporary table, the orders priced from it and
    inserted, and their lines inserted from the orders' RETURNING in the same statement."""
    if not count:
        return
    tables = {"sku": SKU._meta.db_table, "product": Product._meta.db_table, "order": Order._meta.db_table,
              "line": OrderLine._meta.db_table, "address": Address._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT array_agg(id ORDER BY id) FROM {SKU._meta.db_table} WHERE product_id = ANY(%s)", [product_ids])
        skus = cursor.fetchone()[0]
        cursor.execute(f"SELECT array_agg(id ORDER BY id) FROM {Member._meta.db_table}")
        members_ = cursor.fetchone()[0]
        cursor.execute(_PLAN.format(**tables), {"orders": count, "skus": skus, "n": len(skus)})
        cursor.execute("ANALYZE bench_plan")
        cursor.execute(_ORDERS.format(**tables), {"members": members_, "m": len(members_), "zone": timezone.get_default_timezone_name(),
                                                  "cover": COVER_THUMB})
        cursor.execute("DROP TABLE bench_plan")


def _events() -> None:
    """Each order's history as the services would have written it: placed, then paid,
    shipped and completed, or cancelled by the expiry job."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {OrderEvent._meta.db_table} (order_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
                SELECT o.id, e.from_status, e.to_status, e.actor_kind, CASE WHEN e.actor_kind = 'shopper' THEN o.member_id END, e.reason, e.at
                FROM {Order._meta.db_table} o CROSS JOIN LATERAL (VALUES
                    ('', 'pending_payment', 'shopper', '下单', o.created_at),
                    ('pending_payment', 'paid', 'wechat', '微信支付成功', o.paid_at),
                    ('paid', 'shipped', 'operator', '顺丰速运 ' || o.tracking_number, o.shipped_at),
                    ('shipped', 'completed', 'system', '超时自动确认收货', o.completed_at),
                    ('pending_payment', 'cancelled', 'system', '超时未支付', o.cancelled_at)
                ) AS e(from_status, to_status, actor_kind, reason, at)
                WHERE e.at IS NOT NULL
                ORDER BY o.id, e.at"""
        )


def _sales() -> None:
    """A product's sales count what its paid orders took."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Product._meta.db_table} p SET sales = s.sold
                FROM (SELECT l.product_id, sum(l.quantity) AS sold FROM {OrderLine._meta.db_table} l
                      JOIN {Order._meta.db_table} o ON o.id = l.order_id WHERE o.status <> 'cancelled' GROUP BY l.product_id) s
                WHERE p.id = s.product_id"""
        )


# --- Before a scenario's load -------------------------------------------------------------


def flash_reset(*, sku_ids: list[int], units: int, buyer_ids: list[int]) -> None:
    """A flash sale about to open: the orders still awaiting payment that hold its SKUs or
    belong to its buyers are cancelled (as the expiry job would, giving the other SKUs'
    stock back), and its SKUs hold `units` again. So neither an earlier run's orders nor the
    unpaid-order cap decide who gets a unit: a run again on the same shop finds the sale new."""
    tables = {"order": Order._meta.db_table, "line": OrderLine._meta.db_table, "event": OrderEvent._meta.db_table,
              "sku": SKU._meta.db_table}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """WITH cancelled AS (
                   UPDATE {order} o SET status = 'cancelled', cancelled_at = now(), updated_at = now()
                   WHERE o.status = 'pending_payment' AND (o.member_id = ANY(%(buyers)s) OR EXISTS (
                       SELECT 1 FROM {line} l WHERE l.order_id = o.id AND l.sku_id = ANY(%(skus)s)))
                   RETURNING o.id
               ), logged AS (
                   INSERT INTO {event} (order_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
                   SELECT id, 'pending_payment', 'cancelled', 'system', NULL, '超时未支付', now() FROM cancelled
               )
               UPDATE {sku} s SET stock = s.stock + given.quantity
               FROM (SELECT l.sku_id, sum(l.quantity) AS quantity FROM {line} l JOIN cancelled c ON c.id = l.order_id
                     WHERE l.sku_id <> ALL(%(skus)s) GROUP BY l.sku_id) given
               WHERE s.id = given.sku_id""".format(**tables),
            {"buyers": buyer_ids, "skus": sku_ids},
        )
        cursor.execute(f"UPDATE {tables['sku']} SET stock = %s WHERE id = ANY(%s)", [units, sku_ids])


@dataclass(frozen=True)
class OpenPayment:
    """A payment WeChat Pay has yet to notify: what its notification carries."""

    out_trade_no: str
    amount_fen: int
    openid: str


_PLACE_FOR_PAYMENT = """
WITH wanted AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence(%(order_table)s, 'id')) AS id,
           (%(members)s::bigint[])[1 + mod(g - 1, %(m)s)] AS member_id,
           (%(skus)s::bigint[])[1 + mod(g * 7919, %(n)s)] AS sku_id
    FROM generate_series(1, %(count)s) g
), priced AS MATERIALIZED (
    SELECT w.id, w.member_id, s.id AS sku_id, s.product_id, s.spec, s.price_fen, p.title,
           CASE WHEN s.price_fen >= 9900 THEN 0 ELSE 1000 END AS shipping, a.name, a.phone, a.province, a.city, a.district, a.detail
    FROM wanted w JOIN {sku} s ON s.id = w.sku_id JOIN {product} p ON p.id = s.product_id
    JOIN {address} a ON a.member_id = w.member_id AND a.is_default
), orders AS (
    INSERT INTO {order} (id, number, member_id, status, goods_fen, shipping_fen, discount_fen, balance_fen, pay_fen, receiver_name,
        receiver_phone, province, city, district, address_detail, note, operator_note, carrier, tracking_number, refunded_fen,
        balance_refunded_fen, created_at, expires_at, updated_at)
    SELECT id, to_char(now() AT TIME ZONE %(zone)s, 'YYYYMMDDHH24MISS') || lpad(id::text, 10, '0'), member_id, 'pending_payment',
           price_fen, shipping, 0, 0, price_fen + shipping, name, phone, province, city, district, detail, '', '', '', '', 0, 0,
           now(), now() + interval '30 minutes', now()
    FROM priced
    RETURNING id, number, pay_fen
), lines AS (
    INSERT INTO {line} (order_id, sku_id, product_id, title, spec, image, price_fen, quantity, discount_fen, pay_fen)
    SELECT id, sku_id, product_id, title, spec, %(cover)s, price_fen, 1, 0, price_fen FROM priced
), placed AS (
    INSERT INTO {event} (order_id, from_status, to_status, actor_kind, actor_id, reason, created_at)
    SELECT id, '', 'pending_payment', 'shopper', member_id, '下单', now() FROM priced
)
INSERT INTO {payment} (order_id, out_trade_no, amount_fen, state, body, client_ip, prepay_id, payer_openid, arrived_after_cancel,
    created_at)
SELECT id, number, pay_fen, 'open', '', '127.0.0.1', '', '', false, now() FROM orders
"""


def open_payments(*, member_ids: list[int], count: int, sku_ids: list[int]) -> list[OpenPayment]:
    """`count` orders of these members awaiting payment, each with the payment the pay
    endpoint opens for it (out_trade_no: the order number; amount_fen: its pay_fen), oldest
    first: those still open from before, and as many more as are missing, placed now
    set-based (one line of one of `sku_ids` each, with the placing event)."""
    found = _open_payments(member_ids, count)
    if len(found) < count:
        tables = {"sku": SKU._meta.db_table, "product": Product._meta.db_table, "address": Address._meta.db_table,
                  "order": Order._meta.db_table, "line": OrderLine._meta.db_table, "event": OrderEvent._meta.db_table,
                  "payment": Payment._meta.db_table}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_PLACE_FOR_PAYMENT.format(**tables), {
                "order_table": Order._meta.db_table, "members": member_ids, "m": len(member_ids), "skus": sku_ids, "n": len(sku_ids),
                "count": count - len(found), "zone": timezone.get_default_timezone_name(), "cover": COVER_THUMB,
            })
        found = _open_payments(member_ids, count)
    return found


def _open_payments(member_ids: list[int], count: int) -> list[OpenPayment]:
    with connection.cursor() as cursor:
        # The seed's statistics know no order awaiting payment and no payment at all: the
        # planner would scan them for every order as if so (seconds instead of milliseconds).
        cursor.execute(f"ANALYZE {Order._meta.db_table}, {Payment._meta.db_table}")
        cursor.execute(
            f"""SELECT pay.out_trade_no, pay.amount_fen, m.openid FROM unnest(%s::bigint[]) AS payer(id)
                JOIN {Member._meta.db_table} m ON m.id = payer.id
                JOIN {Order._meta.db_table} o ON o.member_id = payer.id AND o.status = 'pending_payment'
                JOIN {Payment._meta.db_table} pay ON pay.order_id = o.id AND pay.state = 'open' AND pay.transaction_id IS NULL
                ORDER BY pay.id LIMIT %s""",
            [member_ids, count],
        )
        return [OpenPayment(*row) for row in cursor.fetchall()]


# --- Campaigns ---------------------------------------------------------------------------


def _campaigns(packet_shares: int) -> dict:
    """The demo's campaigns as a new shop gets them, a packet for the crowd in the demo's red
    packet campaign, and the rows only the bare views touch."""
    seed_campaigns()
    rain = Campaign.objects.get(play=Play.RED_PACKET, title="冬日红包雨")
    for title in (CROWD_PACKET_TITLE, BARE_PACKET_TITLE):
        red_packet_create(campaign=rain, title=title, total_fen=packet_shares * 88 + 7, shares=packet_shares, split=SplitMode.RANDOM,
                          delivers=PacketDelivery.BALANCE, expires_at=rain.ends_at)
    wheel = Wheel.objects.get(campaign__play=Play.WHEEL, campaign__title="幸运大转盘")
    bare_campaign = Campaign.objects.create(title=BARE_WHEEL_TITLE, play=Play.WHEEL, starts_at=wheel.campaign.starts_at,
                                            ends_at=wheel.campaign.ends_at, is_important=False)
    bare_wheel = Wheel.objects.create(campaign=bare_campaign, spins_per_day=10_000)
    # Stock no run uses up: each bare spin's guarded UPDATE then writes, as a spin of ours does.
    WheelPrize.objects.create(wheel=bare_wheel, name="对照", kind="none", weight=1, stock=BARE_PRIZE_STOCK, position=0)
    return _campaign_ids(RedPacket.objects.get(title=CROWD_PACKET_TITLE))


def _campaign_ids(packet: RedPacket) -> dict:
    wheel = Wheel.objects.get(campaign__play=Play.WHEEL, campaign__title="幸运大转盘")
    return {
        "checkin_campaign_id": Campaign.objects.get(play=Play.CHECKIN).pk,
        "wheel_id": wheel.pk,
        "prize_ids": list(wheel.prizes.order_by("position").values_list("pk", flat=True)),
        "packet_id": packet.pk,
        "bare_prize_id": WheelPrize.objects.get(wheel__campaign__title=BARE_WHEEL_TITLE).pk,
        "bare_packet_id": RedPacket.objects.get(title=BARE_PACKET_TITLE).pk,
    }


def _vacuum() -> None:
    """As autovacuum would have long before real traffic met these rows; outside a transaction."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


# --- Sessions ----------------------------------------------------------------------------


def sessions(member_ids: list[int], path: Path) -> None:
    """A logged-in session and a CSRF secret per member, as the WeChat login leaves them: in
    the session table and in the session cache (SESSION_ENGINE is cached_db, whose save
    writes both), so that the first request of a member finds it where every later one
    does. `path` gets one "sessionid csrftoken" line per member, in order, for bench/wrk.lua."""
    auth_hash = Member(password="!").get_session_auth_hash()
    store, age = SessionStore(), timedelta(days=1)
    expire, lines, cached = timezone.now() + age, [], {}
    with connection.cursor() as cursor, cursor.copy("COPY django_session (session_key, session_data, expire_date) FROM STDIN") as copy:
        for pk in member_ids:
            key = secrets.token_hex(16)
            data = {"_auth_user_id": str(pk), "_auth_user_backend": "members.backends.WeChatBackend", "_auth_user_hash": auth_hash}
            copy.write_row((key, store.encode(data), expire))
            cached[CachedSessionStore.cache_key_prefix + key] = data
            lines.append(f"{key} {secrets.token_hex(16)}")
    if settings.SESSION_ENGINE == CachedSessionStore.__module__:
        caches[settings.SESSION_CACHE_ALIAS].set_many(cached, int(age.total_seconds()))
    Path(path).write_text("\n".join(lines) + "\n")


def main() -> None:
    from django.core.management import call_command

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: DATABASE_URL=postgres://… (see the docstring).")
    call_command("migrate", verbosity=0)
    print("seeding the large shop:", flush=True)
    started = time.perf_counter()
    shop = seed()
    took = time.perf_counter() - started
    for name, count in counts().items():
        print(f"  {name:<16} {count:>10,}")
    print(f"seeded in {took:.1f} s: {len(shop.product_ids):,} products, {len(shop.sku_ids):,} SKUs, {len(shop.member_ids):,} members; "
          f"flash SKU {shop.flash_sku_id} ({shop.flash_units} units), red packet {shop.packet_id} ({shop.packet_shares:,} shares)")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        sessions(shop.member_ids[:30_000], Path(directory) / "cookies")
    print(f"30,000 sessions and their cookie lines in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
