"""POST /wechat/pay/notify/ with notifications built and signed by wechatpy's helpers."""

from datetime import timedelta

import pytest
import xmltodict
from django.db import connection
from django.utils import timezone

from mall.errors import RejectedNotification
from mall.models import SKU, Order, OrderEvent, OrderStatus, Payment, PaymentState, Product, Refund, RefundKind, RefundStatus
from mall.services import payments
from mall.services.orders import order_cancel, orders_cancel_expired
from mall.services.payments import payment_confirm
from outbox.models import Delivery, Event
from tests.factories import SKUFactory
from tests.helpers import ADDRESS
from tests.journeys import place_order
from tests.wechat_notices import payment_xml
from wechat.emulator.models import MchOrder
from wechat.pay import verify_payment_notify

pytestmark = pytest.mark.django_db

NOTIFY = "/wechat/pay/notify/"


@pytest.fixture
def order(member_api):
    order = place_order(member_api, SKUFactory(price_fen=6000, stock=10), 2)
    member_api.post(f"/api/v1/orders/{order.number}/pay")  # creates the Payment (out_trade_no)
    return order


def notify(client, body: bytes) -> str:
    response = client.post(NOTIFY, body, content_type="text/xml")
    assert response.status_code == 200
    return xmltodict.parse(response.content)["xml"]["return_code"]


def events(order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("to_status", flat=True))


def test_a_genuine_notification_marks_the_order_paid(client, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000099")) == "SUCCESS"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).transaction_id == "4200000099"
    assert events(order) == ["pending_payment", "paid"]
    # "Paid" is recorded with the payment, for every subscriber; delivery starts after commit.
    paid = Event.objects.get(name="order.paid", payload={"order_id": order.pk})
    assert set(Delivery.objects.filter(event=paid).values_list("subscriber", flat=True)) >= {
        "distribution.earn_commissions",
        "mall.paid_message",
    }
    assert callbacks


def test_the_same_notification_again_changes_nothing_and_still_succeeds(client, order):
    body = payment_xml(out_trade_no=order.number, total_fee=12000)
    assert notify(client, body) == "SUCCESS"
    assert notify(client, body) == "SUCCESS"  # WeChat repeats until it hears SUCCESS
    assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000)) == "SUCCESS"  # new nonce, same payment
    assert events(order) == ["pending_payment", "paid"]
    assert Product.objects.get(pk=order.lines.get().product_id).sales == 2


def test_a_second_transaction_for_the_same_order_is_refused(client, order):
    notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000001"))
    assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000002")) == "FAIL"
    assert Payment.objects.get(order=order).transaction_id == "4200000001"


def assert_unchanged(order):
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get(order=order).transaction_id is None
    assert events(order) == ["pending_payment"]


def test_a_tampered_amount_is_refused(client, order):
    body = payment_xml(out_trade_no=order.number, total_fee=12000).replace(
        b"<total_fee>12000</total_fee>", b"<total_fee>1</total_fee>"
    )
    assert notify(client, body) == "FAIL"
    assert_unchanged(order)


def test_a_tampered_order_number_is_refused(client, order, member_api):
    other = place_order(member_api, SKUFactory(price_fen=6000), 2)
    member_api.post(f"/api/v1/orders/{other.number}/pay")
    body = payment_xml(out_trade_no=order.number, total_fee=12000).replace(order.number.encode(), other.number.encode())
    assert notify(client, body) == "FAIL"
    assert_unchanged(order)
    assert_unchanged(other)


def test_a_notification_signed_with_another_key_is_refused(client, order):
    assert (
        notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, key="someone-elses-api-key-0123456789")) == "FAIL"
    )
    assert_unchanged(order)


@pytest.mark.parametrize("field", [{"appid": "wx0000000000000000"}, {"mch_id": "1234567890"}])
def test_a_notification_for_another_account_is_refused(client, order, field):
    assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, **field)) == "FAIL"
    assert_unchanged(order)


def test_a_failed_payment_result_changes_nothing(client, order):
    body = payment_xml(out_trade_no=order.number, total_fee=12000, result_code="FAIL", err_code="NOTENOUGH")
    assert notify(client, body) == "FAIL"
    assert_unchanged(order)


def test_the_wrong_amount_is_refused(client, order):
    assert notify(client, payment_xml(out_trade_no=order.number, total_fee=11999)) == "FAIL"
    assert_unchanged(order)


def test_an_unknown_order_is_refused(client, order):
    assert notify(client, payment_xml(out_trade_no="202611220000000000000000", total_fee=12000)) == "FAIL"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<xml><return_code>SUCCESS</return_code>",
        b"<xml></xml>",
        b"<xml><a><b>1</b></a></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><out_trade_no>&e;</out_trade_no></xml>',
        "<xml><appid>\u4e2d</appid><sign>x</sign></xml>".encode(),
        b"\x00\xff\xfe",
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><out_trade_no>&b;</out_trade_no></xml>',
        "<xml><return_code>SUCCESS</return_code></xml>".encode("utf-16"),
        b'<?xml version="1.0" encoding="utf-7"?><xml/>',
    ],
)
def test_malformed_bodies_answer_fail_never_500(client, order, body):
    assert notify(client, body) == "FAIL"
    assert_unchanged(order)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: body.replace(b"</xml>", b"<total_fee>1</total_fee></xml>"),  # a field twice
        lambda body: body.replace(b"<total_fee>", b'<total_fee currency="CNY">'),  # an attribute
        lambda body: body.replace(b"<total_fee>12000</total_fee>", b"<total_fee><fen>12000</fen></total_fee>"),  # nested
    ],
)
def test_a_signed_notification_that_is_not_flat_is_refused(client, order, tamper):
    assert notify(client, tamper(payment_xml(out_trade_no=order.number, total_fee=12000))) == "FAIL"
    assert_unchanged(order)


def first_lands_before(monkeypatch, step: str, notice) -> list[str]:
    """Make `notice`'s delivery land (on this test's connection) just before the delivery
    under test reaches `step` of payment_confirm: what it answered."""
    real, outcome = getattr(payments, step), []

    def lands_first(*args, **kwargs):
        monkeypatch.setattr(payments, step, real)
        outcome.append(payment_confirm(notice=notice))
        return real(*args, **kwargs)

    monkeypatch.setattr(payments, step, lands_first)
    return outcome


def test_a_delivery_recorded_after_another_read_the_payment_is_a_repeat(order, monkeypatch):
    notice = verify_payment_notify(payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000123"))
    first = first_lands_before(monkeypatch, "_paid_at_once", notice)
    assert payment_confirm(notice=notice) == "duplicate"
    assert first == ["paid"]
    assert events(order) == ["pending_payment", "paid"]
    assert Product.objects.get(pk=order.lines.get().product_id).sales == 2
    assert Event.objects.filter(name="order.paid", payload={"order_id": order.pk}).count() == 1


def test_another_transaction_recorded_after_one_read_the_payment_is_refused(order, monkeypatch):
    first = verify_payment_notify(payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000123"))
    second = verify_payment_notify(payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000456"))
    first_lands_before(monkeypatch, "_paid_at_once", first)
    # (Both share this test's connection: the refusal rolls the first back with it here.)
    with pytest.raises(RejectedNotification, match="already paid by 4200000123"):
        payment_confirm(notice=second)


def test_a_late_payment_recorded_while_another_delivery_waited_for_the_order_lock_is_refunded_once(order, monkeypatch):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()
    notice = verify_payment_notify(payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000123"))
    first = first_lands_before(monkeypatch, "_order_locked", notice)
    assert payment_confirm(notice=notice) == "duplicate"
    assert first == ["refunding late payment"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Refund.objects.filter(order=order).count() == 1
    assert Product.objects.get(pk=order.lines.get().product_id).sales == 0


def test_money_for_a_cancelled_order_writes_nothing_a_paid_order_would(order):
    order_cancel(order=order, actor=order.member)
    notice = verify_payment_notify(payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000123"))
    assert payment_confirm(notice=notice) == "refunding late payment"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert not Event.objects.filter(name="order.paid").exists()
    assert not OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).exists()
    assert Product.objects.get(pk=order.lines.get().product_id).sales == 0
    payment = Payment.objects.get(order=order)
    assert (payment.transaction_id, payment.arrived_after_cancel) == ("4200000123", True)


def test_sales_count_every_line_of_a_product(client, member_api):
    product = SKUFactory().product
    lines = [{"sku_id": SKUFactory(product=product, price_fen=1000).pk, "quantity": quantity} for quantity in (2, 3)]
    number = member_api.post("/api/v1/orders", {"lines": lines, "address": ADDRESS}, format="json").json()["number"]
    member_api.post(f"/api/v1/orders/{number}/pay")
    assert notify(client, payment_xml(out_trade_no=number, total_fee=Order.objects.get(number=number).pay_fen)) == "SUCCESS"
    assert Product.objects.get(pk=product.pk).sales == 5


def test_get_is_not_allowed(client):
    assert client.get(NOTIFY).status_code == 405


def test_money_for_an_expired_and_cancelled_order_is_recorded_and_sent_back(client, order, django_capture_on_commit_callbacks):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()
    sku_id = order.lines.get().sku_id
    stock_after_cancel = SKU.objects.get(pk=sku_id).stock
    # The shopper really paid (WeChat records it), and the notification arrives late.
    MchOrder.objects.filter(out_trade_no=order.number).update(
        trade_state=MchOrder.State.SUCCESS, transaction_id="4200000777", time_end=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000777")) == "SUCCESS"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED  # it stays cancelled
    payment = Payment.objects.get(order=order)
    assert payment.state == PaymentState.PAID and payment.arrived_after_cancel and payment.transaction_id == "4200000777"
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.amount_fen) == (RefundKind.LATE_PAYMENT, 12000)
    # The refund went out through the emulator, whose notification came back.
    assert refund.status == RefundStatus.REFUNDED
    assert order.refunded_fen == 12000
    assert MchOrder.objects.get(out_trade_no=order.number).refunded_fee == 12000
    assert SKU.objects.get(pk=sku_id).stock == stock_after_cancel  # given back once, at cancellation
    reasons = list(OrderEvent.objects.filter(order=order).values_list("reason", flat=True))
    assert any("已自动全额退款" in reason for reason in reasons) and any("已退回" in reason for reason in reasons)
    # WeChat's repeat of the same notification is acknowledged, and changes nothing.
    assert notify(client, payment_xml(out_trade_no=order.number, total_fee=12000, transaction_id="4200000777")) == "SUCCESS"
    assert Refund.objects.filter(order=order).count() == 1


# The payment read, then, inside the test's transaction (a SAVEPOINT … RELEASE pair here;
# in production, on PostgreSQL, no transaction: the statement commits alone):
# - PostgreSQL: one statement, the order's guarded UPDATE with everything chained on it (the
#   payment, the order event, the outbox event and its deliveries, the sales count);
# - SQLite (no writes inside WITH): the order locked, the payment's guarded UPDATE, the
#   order's status UPDATE, the outbox event, its deliveries, the order event, the sales.
NOTIFY_QUERIES = (2 if connection.vendor == "postgresql" else 8) + 2
# The payment read: already paid by this transaction, no transaction opened.
REPLAY_QUERIES = 1


@pytest.mark.parametrize("products", [1, 6])
def test_a_notification_costs_the_same_queries_however_many_products_the_order_holds(
    client, member_api, products, django_assert_max_num_queries
):
    lines = [{"sku_id": SKUFactory(price_fen=1000, stock=5).pk, "quantity": 2} for _ in range(products)]
    number = member_api.post("/api/v1/orders", {"lines": lines, "address": ADDRESS}, format="json").json()["number"]
    member_api.post(f"/api/v1/orders/{number}/pay")
    order = Order.objects.get(number=number)
    body = payment_xml(out_trade_no=number, total_fee=order.pay_fen)
    with django_assert_max_num_queries(NOTIFY_QUERIES):
        assert notify(client, body) == "SUCCESS"
    with django_assert_max_num_queries(REPLAY_QUERIES):
        assert notify(client, body) == "SUCCESS"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert set(Product.objects.filter(pk__in=order.lines.values("product")).values_list("sales", flat=True)) == {2}
