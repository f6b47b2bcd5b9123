"""The scheduled order query: a lost notification must not leave a paid order unpaid."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mall.models import Order, OrderStatus, Payment, PaymentState, Refund, RefundStatus
from mall.services.orders import orders_cancel_expired
from mall.services.payments import payments_check_open
from tests.factories import SKUFactory
from tests.journeys import place_order
from wechat.emulator.models import MchOrder

pytestmark = pytest.mark.django_db


def open_payment(api, *, minutes_ago: int = 5) -> Order:
    order = place_order(api, SKUFactory(price_fen=3000))
    api.post(f"/api/v1/orders/{order.number}/pay")
    then = timezone.now() - timedelta(minutes=minutes_ago)
    Payment.objects.filter(order=order).update(created_at=then)
    MchOrder.objects.filter(out_trade_no=order.number).update(created_at=then)  # WeChat's clock agrees
    return order


def paid_at_wechat_but_notification_lost(order):
    MchOrder.objects.filter(out_trade_no=order.number).update(
        trade_state=MchOrder.State.SUCCESS, transaction_id="4200000555", time_end=timezone.now()
    )


def test_a_payment_whose_notification_was_lost_is_found_by_the_query(member_api):
    order = open_payment(member_api)
    paid_at_wechat_but_notification_lost(order)
    assert payments_check_open() == {"paid": 1}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).transaction_id == "4200000555"
    assert "查单" in order.events.last().reason


def test_recent_payments_are_left_to_their_notification(member_api):
    order = open_payment(member_api, minutes_ago=1)
    paid_at_wechat_but_notification_lost(order)
    assert payments_check_open() == {}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_cancelled_orders_wechat_order_is_closed_only_when_wechat_allows(member_api):
    order = open_payment(member_api, minutes_ago=4)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()
    assert payments_check_open() == {"waiting to close": 1}  # WeChat refuses closes under 5 minutes
    assert MchOrder.objects.get(out_trade_no=order.number).trade_state == MchOrder.State.NOTPAY


def test_unpaid_open_orders_keep_waiting_and_are_not_asked_again_at_once(member_api):
    order = open_payment(member_api)
    assert payments_check_open() == {"waiting": 1}
    assert payments_check_open() == {}  # asked a moment ago
    assert Payment.objects.get(order=order).state == PaymentState.OPEN


def test_the_wechat_order_of_a_cancelled_order_is_closed(member_api):
    order = open_payment(member_api)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()
    assert payments_check_open() == {"closed": 1}
    assert MchOrder.objects.get(out_trade_no=order.number).trade_state == MchOrder.State.CLOSED
    assert Payment.objects.get(order=order).state == PaymentState.CLOSED
    response = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 409


def test_paid_after_cancellation_with_the_notification_lost_is_refunded(member_api, django_capture_on_commit_callbacks):
    order = open_payment(member_api)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()
    paid_at_wechat_but_notification_lost(order)
    with django_capture_on_commit_callbacks(execute=True):
        assert payments_check_open() == {"refunding late payment": 1}
    assert Refund.objects.get(order=order).status == RefundStatus.REFUNDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_the_job_is_idempotent_and_has_a_command(member_api):
    order = open_payment(member_api)
    paid_at_wechat_but_notification_lost(order)
    call_command("check_open_payments", verbosity=0)
    Payment.objects.filter(order=order).update(last_checked_at=None)
    assert payments_check_open() == {}  # paid payments are no longer open
    assert order.events.count() == 2
