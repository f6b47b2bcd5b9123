"""Payments and refunds under real concurrency (PostgreSQL)."""

from collections import Counter
from datetime import timedelta

import pytest
import xmltodict
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from config.errors import InvalidStatus
from mall.models import SKU, Order, OrderEvent, OrderStatus, Payment, Product, Refund, RefundStatus
from mall.services.aftersales import refund_approve
from mall.services.orders import order_cancel, orders_cancel_expired
from tests.concurrency.racing import race
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS, requires_postgres
from tests.journeys import pay_at_cashier, place_order
from tests.wechat_notices import payment_xml
from wechat.emulator.models import MchOrder, MchRefund

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def shopper_api():
    api = APIClient()
    api.force_login(MemberFactory())
    return api


def deliver(body):
    response = Client().post("/wechat/pay/notify/", body, content_type="text/xml")
    return xmltodict.parse(response.content)["xml"]["return_code"]


def test_twenty_deliveries_of_one_notification_make_one_payment():
    api = shopper_api()
    sku = SKUFactory(price_fen=5000)
    order = place_order(api, sku, 2)
    api.post(f"/api/v1/orders/{order.number}/pay")
    body = payment_xml(out_trade_no=order.number, total_fee=order.pay_fen, transaction_id="4200000000000000000001")

    results, errors = race([lambda: deliver(body) for _ in range(20)])

    assert not errors and results == ["SUCCESS"] * 20
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count() == 1
    assert Payment.objects.get(order=order).transaction_id == "4200000000000000000001"
    assert Product.objects.get(pk=sku.product_id).sales == 2


def test_payments_of_orders_sharing_products_in_opposite_order_count_sales_without_deadlock():
    skus = [SKUFactory(price_fen=1000, stock=100) for _ in range(3)]
    bodies = []
    for i in range(20):
        api = shopper_api()
        ordered = skus if i % 2 else skus[::-1]
        lines = [{"sku_id": sku.pk, "quantity": 1} for sku in ordered]
        number = api.post("/api/v1/orders", {"lines": lines, "address": ADDRESS}, format="json").json()["number"]
        api.post(f"/api/v1/orders/{number}/pay")
        pay_fen = Order.objects.get(number=number).pay_fen
        bodies.append(payment_xml(out_trade_no=number, total_fee=pay_fen, transaction_id=f"42{i:020d}"))

    results, errors = race([lambda body=body: deliver(body) for body in bodies])

    assert not errors and results == ["SUCCESS"] * 20
    assert [Product.objects.get(pk=sku.product_id).sales for sku in skus] == [20, 20, 20]


@pytest.mark.parametrize("round_", range(5))
def test_a_notification_racing_expiry_and_cancel_leaves_one_consistent_outcome(round_):
    api = shopper_api()
    sku = SKUFactory(price_fen=5000, stock=10)
    order = place_order(api, sku, 3)
    api.post(f"/api/v1/orders/{order.number}/pay")
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    MchOrder.objects.filter(out_trade_no=order.number).update(
        trade_state="SUCCESS", transaction_id=f"42{round_:020d}", time_end=timezone.now()
    )
    body = payment_xml(out_trade_no=order.number, total_fee=order.pay_fen, transaction_id=f"42{round_:020d}")

    def shopper_cancels():
        try:
            order_cancel(order=order, actor=order.member)
        except InvalidStatus:
            pass

    results, errors = race([lambda: deliver(body), orders_cancel_expired, shopper_cancels])

    assert not errors, errors
    order.refresh_from_db()
    stock = SKU.objects.get(pk=sku.pk).stock
    if order.status == OrderStatus.PAID:  # the money arrived first
        assert stock == 7 and not Refund.objects.filter(order=order).exists()
    else:  # cancelled first: stock back once, the money goes back
        assert order.status == OrderStatus.CANCELLED and stock == 10
        assert Refund.objects.get(order=order).status == RefundStatus.REFUNDED
        assert order.refunded_fen == order.pay_fen
    assert (
        OrderEvent.objects.filter(order=order, to_status__in=[OrderStatus.PAID, OrderStatus.CANCELLED])
        .exclude(from_status=OrderStatus.CANCELLED)
        .count()
        == 1
    )


def test_simultaneous_refund_requests_open_one():
    api = shopper_api()
    order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=8000)))
    member = order.member
    clients = []
    for _ in range(10):
        client = APIClient()
        client.force_login(member)
        clients.append(client)

    results, errors = race(
        [
            lambda c=c: c.post(
                f"/api/v1/orders/{order.number}/refunds", {"reason": "重复点了", "amount_fen": 100}, format="json"
            ).status_code
            for c in clients
        ]
    )

    assert not errors and Counter(results) == {201: 1, 409: 9}
    assert Refund.objects.filter(order=order).count() == 1


def test_two_operators_approving_at_once_refund_once():
    api = shopper_api()
    order = pay_at_cashier(api, place_order(api, SKUFactory(price_fen=8000)))
    refund = Refund.objects.get(
        pk=api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了"}, format="json").json()["id"]
    )
    operators = [MemberFactory(is_staff=True, openid=None) for _ in range(5)]

    def approve(operator):
        try:
            refund_approve(refund=refund, by=operator)
            return "approved"
        except InvalidStatus:
            return "already"

    results, errors = race([lambda o=o: approve(o) for o in operators])

    assert not errors and Counter(results) == {"approved": 1, "already": 4}
    assert MchRefund.objects.count() == 1
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.REFUNDED
    order.refresh_from_db()
    assert order.refunded_fen == order.pay_fen == 9000  # 80.00 + 10.00 shipping, all of it
