"""Add to cart and create order: their SQL budgets, fixed whatever the cart, the order's
lines or the product's pictures hold, and what answering without a read-back must keep.
Also the cached sessions every logged-in request reads (SESSION_ENGINE cached_db)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from rest_framework.test import APIClient

from mall.models import SKU, CartItem, Order
from tests.factories import AddressFactory, CartItemFactory, ProductFactory, ProductImageFactory, SKUFactory
from tests.helpers import shop_settings

pytestmark = pytest.mark.django_db

# Counted with a cold session cache: session, member, SKU (with its product and first
# thumbnail), the guarded upsert; the last two are one statement on PostgreSQL. No
# transaction, no lock.
CART_ADD_QUERIES = 3 if connection.vendor == "postgresql" else 4
# Inside the test's transaction, the order service's own is a SAVEPOINT … RELEASE pair
# (BEGIN … COMMIT in production): session, member, the member lock with the shop's settings
# and the address, the unpaid orders counted, SKUs (locked, with products and thumbnails),
# one stock UPDATE for every line (the count and the SKUs' three are one statement on
# PostgreSQL), the order with its lines, its first event row and the outbox event with its
# deliveries (one statement on PostgreSQL, five on SQLite).
ORDER_CREATE_QUERIES = (5 if connection.vendor == "postgresql" else 11) + 2


def cold(client: APIClient) -> APIClient:
    """The next request reads its session from the table, as the first one of a visit does."""
    from django.core.cache import cache

    cache.clear()
    return client


def test_adding_to_the_cart_costs_the_same_few_queries_however_full_the_cart(member_api, member, django_assert_max_num_queries):
    product = ProductFactory()
    for position in range(4):
        ProductImageFactory(product=product, position=position)
    skus = SKUFactory.create_batch(6, product=product)
    for sku in skus[1:]:
        CartItemFactory(member=member, sku=sku, quantity=2)
    with django_assert_max_num_queries(CART_ADD_QUERIES):
        new = cold(member_api).post("/api/v1/cart/items", {"sku_id": skus[0].pk, "quantity": 1}, format="json")
    with django_assert_max_num_queries(CART_ADD_QUERIES):
        more = cold(member_api).post("/api/v1/cart/items", {"sku_id": skus[1].pk, "quantity": 3}, format="json")
    assert (new.status_code, more.status_code) == (201, 201)
    assert new.json()["quantity"] == 1 and more.json()["quantity"] == 5
    assert dict(CartItem.objects.filter(member=member, sku__in=skus[:2]).values_list("sku_id", "quantity")) == {skus[0].pk: 1, skus[1].pk: 5}


def test_the_added_line_answers_as_the_cart_shows_it(member_api, member):
    """The answer is built from the rows the add read and wrote; the cart's own read says the same."""
    product = ProductFactory(purchase_limit=7)
    second = ProductImageFactory(product=product, position=2)
    first = ProductImageFactory(product=product, position=1)
    bare, pictured = SKUFactory(product=product), SKUFactory(product=product, image=second.image.name)
    CartItemFactory(member=member, sku=pictured, quantity=2)
    for sku in (bare, pictured):
        added = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 1}, format="json").json()
        shown = next(item for item in member_api.get("/api/v1/cart").json()["items"] if item["sku_id"] == sku.pk)
        assert added == shown
    assert shown["max_quantity"] == 7 and shown["quantity"] == 3
    assert added["image_url"].endswith(second.image.name)
    bare_line = next(item for item in member_api.get("/api/v1/cart").json()["items"] if item["sku_id"] == bare.pk)
    assert bare_line["image_url"].endswith(first.thumbnail.name)  # the first picture by position, as before


def test_an_add_past_the_stock_or_the_limit_leaves_the_line_as_it_was(member_api, member):
    sku = SKUFactory(stock=5, product=ProductFactory(purchase_limit=4))
    CartItemFactory(member=member, sku=sku, quantity=3)
    over_limit = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 2}, format="json")
    assert over_limit.status_code == 400 and "每人限购 4 件" in str(over_limit.json())
    sku.product.purchase_limit = None
    sku.product.save()
    over_stock = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 3}, format="json")
    assert over_stock.status_code == 409 and over_stock.json()["detail"] == "库存仅剩 5 件"
    huge = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 2**31 - 1}, format="json")
    assert huge.status_code == 409  # the total is over the stock first, as before; nothing overflows
    assert CartItem.objects.get(member=member, sku=sku).quantity == 3


def _order_body(member, skus):
    return {"lines": [{"sku_id": sku.pk, "quantity": 1} for sku in skus], "address_id": AddressFactory(member=member).pk}


@pytest.mark.parametrize("lines", [1, 2, 12])
def test_creating_an_order_costs_the_same_queries_however_many_lines(member_api, member, lines, django_assert_max_num_queries):
    shop_settings()  # the operator's settings exist, as in any running shop
    skus = []
    for _ in range(lines):
        product = ProductFactory()
        ProductImageFactory.create_batch(2, product=product)
        skus.append(SKUFactory(product=product, stock=10))
    body = _order_body(member, skus)
    with django_assert_max_num_queries(ORDER_CREATE_QUERIES):
        response = cold(member_api).post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    assert len(response.json()["lines"]) == lines
    assert sorted(SKU.objects.filter(pk__in=[sku.pk for sku in skus]).values_list("stock", flat=True)) == [9] * lines


def test_the_created_order_answers_as_reading_it_back_does(member_api, member):
    """No read-back after the insert: the answer is built from the rows written, and must be
    what GET /api/v1/orders/<number> gives."""
    product = ProductFactory()
    ProductImageFactory(product=product, position=3)
    thumb = ProductImageFactory(product=product, position=0)
    skus = [SKUFactory(product=product, price_fen=1990, stock=3), SKUFactory(price_fen=250, stock=9, image="skus/own.png")]
    body = {**_order_body(member, skus), "note": "放门口"}
    body["lines"][1]["quantity"] = 4
    created = member_api.post("/api/v1/orders", body, format="json")
    assert created.status_code == 201
    read = member_api.get(f"/api/v1/orders/{created.json()['number']}")
    assert created.json() == read.json()
    lines = created.json()["lines"]
    assert [line["sku_id"] for line in lines] == sorted(sku.pk for sku in skus)
    assert lines[0]["image_url"].endswith(thumb.thumbnail.name) and lines[1]["image_url"].endswith("skus/own.png")
    assert created.json()["refunds"] == [] and created.json()["goods_fen"] == 1990 + 4 * 250


def test_one_short_line_takes_no_stock_from_the_others(member_api, member):
    plenty, short = SKUFactory(stock=5), SKUFactory(stock=1)
    body = _order_body(member, [plenty, short])
    body["lines"][1]["quantity"] = 2
    response = member_api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "out_of_stock"
    assert [SKU.objects.get(pk=plenty.pk).stock, SKU.objects.get(pk=short.pk).stock] == [5, 1]
    assert not Order.objects.filter(member=member).exists()


# --- Sessions through the cache -------------------------------------------------------------


def test_sessions_are_read_through_the_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_a_logged_in_request_reads_its_session_from_the_cache_not_the_table(member_api, django_assert_num_queries):
    member_api.get("/api/v1/cart")  # the first read fills the cache
    with django_assert_num_queries(2):  # the member and the cart: no django_session
        assert member_api.get("/api/v1/cart").status_code == 200


def test_a_session_survives_a_flushed_cache(member_api):
    cold(member_api)
    assert member_api.get("/api/v1/cart").status_code == 200


def test_logging_out_ends_the_cached_session_too(member):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(member)
    assert client.get("/api/v1/cart").status_code == 200
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/api/v1/logout").status_code in (200, 204)
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = APIClient()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert replay.get("/api/v1/cart").status_code == 401


def test_a_deactivated_member_is_refused_at_once_though_the_session_is_cached(member_api, member):
    assert member_api.get("/api/v1/cart").status_code == 200
    member.is_active = False
    member.save()
    assert member_api.get("/api/v1/cart").status_code == 401


def test_a_cart_line_has_the_fields_the_schema_documents(member_api, member):
    from mall.api.cart import CartItemSerializer

    CartItemFactory(member=member, sku=SKUFactory(spec={"颜色": "红", "尺码": 42}))
    [line] = member_api.get("/api/v1/cart").json()["items"]
    documented = CartItemSerializer(data=line)
    assert documented.is_valid(), documented.errors
    assert set(line) == set(CartItemSerializer().fields) and line["spec"] == {"颜色": "红", "尺码": "42"}
