"""The bench's large shop (bench/shop.py) at a tiny scale: the seed stays in step with the
models, and what it writes is complete enough for the real endpoints the benchmarks drive."""

from collections import Counter

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedSessionStore
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from bench.shop import counts, load, seed, sessions
from campaigns.models import PacketShare, RedPacket, WheelPrize
from mall.models import SKU, Category, Order, OrderLine
from members.models import Member
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TINY = {"products": 20, "skus_per_product": 5, "categories": 8, "members": 200, "orders": 400, "packet_shares": 100, "flash_units": 50}


def schema() -> set[tuple]:
    """Every index and constraint of the tables the seed loads with its keys dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
               UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE connamespace = 'public'::regnamespace"""
        )
        return set(cursor.fetchall())


def test_the_seed_writes_a_whole_shop_and_seeding_again_gives_the_same(tmp_path):
    before = schema()
    shop = seed(**TINY)
    first = counts()
    assert schema() == before  # every index, unique key and foreign key dropped for the load is back

    assert first["categories"] == 8 and Category.objects.filter(parent__isnull=True).count() == 2
    assert first["products"] == 20 + 2  # the flash sale's product and the bare view's
    assert first["skus"] == 20 * 5 + 2 and len(shop.sku_ids) == 100
    assert first["members"] == first["addresses"] == first["points entries"] == 200
    assert first["orders"] == 400 and 400 < first["order lines"] <= 1200
    assert first["order events"] >= 2 * first["orders"]  # placed, then paid or cancelled at least
    assert set(Order.objects.values_list("status", flat=True)) == {"completed", "shipped", "paid", "cancelled"}
    assert len(shop.member_ids) == len(shop.address_ids) == 200
    assert all(member.openid and member.nickname for member in Member.objects.all())
    with connection.cursor() as cursor:
        # Every order's amounts are its lines' and its shipping: what a real checkout would have written.
        cursor.execute(
            f"""SELECT count(*) FROM {Order._meta.db_table} o
                WHERE o.goods_fen <> (SELECT sum(price_fen * quantity) FROM {OrderLine._meta.db_table} l WHERE l.order_id = o.id)
                   OR o.shipping_fen <> CASE WHEN o.goods_fen >= 9900 THEN 0 ELSE 1000 END"""
        )
        assert cursor.fetchone()[0] == 0

    packet = RedPacket.objects.get(pk=shop.packet_id)
    assert shop.packet_shares == packet.shares == PacketShare.objects.filter(packet=packet).count() == 100
    assert sum(PacketShare.objects.filter(packet=packet).values_list("amount_fen", flat=True)) == packet.total_fen
    assert shop.bare_packet_id != shop.packet_id
    assert WheelPrize.objects.filter(pk__in=shop.prize_ids, stock__isnull=False).exists()
    assert shop.bare_prize_id not in shop.prize_ids
    assert SKU.objects.get(pk=shop.flash_sku_id).stock == SKU.objects.get(pk=shop.bare_flash_sku_id).stock == 50
    assert load() == shop

    again = seed(**TINY)
    assert counts() == first
    assert len(again.member_ids) == 200 and again.sku_ids == shop.sku_ids  # restarted identities: the same ids

    cookies = tmp_path / "cookies"
    sessions(again.member_ids[:3], cookies)
    lines = cookies.read_text().splitlines()
    assert len(lines) == 3
    cached = caches[settings.SESSION_CACHE_ALIAS].get(CachedSessionStore.cache_key_prefix + lines[0].split()[0])
    assert cached["_auth_user_id"] == str(again.member_ids[0])  # where a login leaves it: the first request reads no table
    client = APIClient()
    client.cookies["sessionid"] = lines[0].split()[0]
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["id"] == again.member_ids[0]


def test_the_real_endpoints_answer_for_seeded_rows():
    shop = seed(**TINY)
    client = APIClient()
    product_id = shop.product_ids[0]
    root = Category.objects.filter(parent__isnull=True).order_by("pk").first()

    detail = client.get(f"/api/v1/products/{product_id}")
    assert detail.status_code == 200
    assert len(detail.json()["skus"]) == 5 and detail.json()["images"]
    assert client.get(f"/products/{product_id}/").status_code == 200
    listed = client.get(f"/api/v1/products?category={root.pk}")
    assert listed.status_code == 200 and listed.json()["results"]
    assert client.get(f"/products/?category={root.pk}").status_code == 200
    assert client.get(f"/categories/?c={root.pk}").status_code == 200

    member = Member.objects.get(pk=shop.member_ids[0])
    buyer = APIClient()
    buyer.force_login(member)
    lines = [{"sku_id": shop.sku_ids[0], "quantity": 1}, {"sku_id": shop.sku_ids[-1], "quantity": 2}]
    placed = buyer.post("/api/v1/orders", {"lines": lines, "address_id": shop.address_ids[0]}, format="json")
    assert placed.status_code == 201, placed.json()
    flash = buyer.post("/api/v1/orders", {"lines": [{"sku_id": shop.flash_sku_id, "quantity": 1}], "address_id": shop.address_ids[0]},
                       format="json")
    assert flash.status_code == 201, flash.json()
    assert SKU.objects.get(pk=shop.flash_sku_id).stock == 49
    assert Counter(Order.objects.filter(member=member).values_list("status", flat=True))["pending_payment"] == 2

    spin = buyer.post(f"/api/v1/wheels/{shop.wheel_id}/spin", format="json")
    assert spin.status_code == 200, spin.json()  # the opening points pay for it
    assert buyer.post("/api/v1/checkin", format="json").status_code in (200, 201)
    assert buyer.post(f"/api/v1/red-packets/{shop.packet_id}/grab", format="json").status_code == 200
