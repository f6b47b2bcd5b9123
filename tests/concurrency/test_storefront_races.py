"""Real threads, real connections, real row locks: the invariants hold under races."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from mall.models import SKU, CartItem, Order, OrderEvent, OrderStatus
from mall.services.locks import lock_member
from mall.services.orders import (
    Destination,
    LineRequest,
    order_cancel,
    order_create,
    orders_cancel_expired,
)
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory, ProductFactory, SKUFactory
from tests.helpers import ADDRESS, DESTINATION, requires_postgres, shop_settings

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_shoppers_buying_the_last_ten_units_at_once():
    sku = SKUFactory(stock=10, price_fen=1999)
    clients = [logged_in(MemberFactory()) for _ in range(50)]
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS}

    results, errors = race([lambda c=c: c.post("/api/v1/orders", body, format="json") for c in clients])

    assert not errors
    statuses = Counter(response.status_code for response in results)
    assert statuses == {201: 10, 409: 40}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"out_of_stock"}
    assert SKU.objects.get(pk=sku.pk).stock == 0
    assert Order.objects.count() == 10


def test_orders_sharing_skus_in_opposite_order_do_not_deadlock():
    a, b = SKUFactory(stock=100), SKUFactory(stock=100)
    clients = [logged_in(MemberFactory()) for _ in range(20)]

    def buy(client, first, second):
        lines = [{"sku_id": first.pk, "quantity": 1}, {"sku_id": second.pk, "quantity": 1}]
        return client.post("/api/v1/orders", {"lines": lines, "address": ADDRESS}, format="json").status_code

    results, errors = race([lambda c=c, i=i: buy(c, *((a, b) if i % 2 else (b, a))) for i, c in enumerate(clients)])

    assert not errors and results == [201] * 20
    assert SKU.objects.get(pk=a.pk).stock == SKU.objects.get(pk=b.pk).stock == 80


def test_a_shopper_cancelling_while_the_expiry_job_runs_returns_stock_once():
    sku = SKUFactory(stock=50)
    destination = Destination(name="a", phone="13800138000", province="p", city="c", district="", detail="d")
    for _ in range(10):
        order = order_create(member=MemberFactory(), destination=destination, lines=[LineRequest(sku_id=sku.pk, quantity=5)])
        Order.objects.filter(pk=order.pk).update(expires_at="2020-01-01T00:00:00+08:00")
        assert SKU.objects.get(pk=sku.pk).stock == 45

        def shopper_cancels(order=order):
            try:
                order_cancel(order=order, actor=order.member)
                return "shopper"
            except Exception as exc:  # noqa: BLE001
                return exc.__class__.__name__

        results, errors = race([shopper_cancels, orders_cancel_expired, orders_cancel_expired])

        assert not errors, errors
        assert SKU.objects.get(pk=sku.pk).stock == 50
        assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1


def test_a_cancel_commits_while_the_same_member_places_an_order():
    """The member lock queues a member's writers, not the foreign-key checks that rows
    pointing at the member (the cancel's order event) run at COMMIT. Were it FOR UPDATE,
    the cancel below would wait for the order being placed, which in real life waits for
    the SKUs the cancel holds: a deadlock."""
    member = MemberFactory()
    order = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=SKUFactory(stock=5).pk, quantity=1)])
    locked, done = threading.Event(), threading.Event()

    def placing_an_order():
        with transaction.atomic():
            lock_member(member)
            locked.set()
            done.wait(timeout=10)

    def cancelling():
        locked.wait(timeout=10)
        try:
            with transaction.atomic():
                connection.cursor().execute("SET LOCAL lock_timeout = '2s'")
                order_cancel(order=order, actor=member)
            return "committed"
        finally:
            done.set()

    results, errors = race([placing_an_order, cancelling])

    assert not errors, errors
    assert results[1] == "committed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_one_member_racing_past_a_purchase_limit_gets_one_order():
    sku = SKUFactory(stock=100, product=ProductFactory(purchase_limit=1))
    member = MemberFactory()
    clients = [logged_in(member) for _ in range(10)]
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS}

    results, errors = race([lambda c=c: c.post("/api/v1/orders", body, format="json").status_code for c in clients])

    assert not errors
    assert Counter(results) == {201: 1, 409: 9}
    assert SKU.objects.get(pk=sku.pk).stock == 99


def test_one_member_racing_past_the_unpaid_order_cap_stays_under_it():
    """The orders counted are those committed once the member's lock is held: an order that
    waited for the lock sees the one placed while it waited."""
    shop_settings(max_unpaid_orders=2)
    sku = SKUFactory(stock=100)
    member = MemberFactory()
    clients = [logged_in(member) for _ in range(10)]
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS}

    results, errors = race([lambda c=c: c.post("/api/v1/orders", body, format="json") for c in clients])

    assert not errors
    assert Counter(response.status_code for response in results) == {201: 2, 409: 8}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"too_many_unpaid_orders"}
    assert SKU.objects.get(pk=sku.pk).stock == 98


def test_simultaneous_adds_to_the_cart_all_count():
    sku = SKUFactory(stock=500)
    member = MemberFactory()
    clients = [logged_in(member) for _ in range(20)]
    body = {"sku_id": sku.pk, "quantity": 3}

    results, errors = race([lambda c=c: c.post("/api/v1/cart/items", body, format="json").status_code for c in clients])

    assert not errors and results == [201] * 20
    assert CartItem.objects.get(member=member).quantity == 60


def test_simultaneous_adds_past_the_stock_fill_the_line_to_the_stock_and_no_further():
    sku = SKUFactory(stock=10)
    member = MemberFactory()
    clients = [logged_in(member) for _ in range(12)]
    body = {"sku_id": sku.pk, "quantity": 3}

    results, errors = race([lambda c=c: c.post("/api/v1/cart/items", body, format="json") for c in clients])

    assert not errors
    assert Counter(r.status_code for r in results) == {201: 3, 409: 9}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"out_of_stock"}
    assert CartItem.objects.get(member=member).quantity == 9
