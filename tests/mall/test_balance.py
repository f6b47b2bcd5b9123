"""Paying with the store balance (余额): taken when the order is placed, WeChat Pay collects
the rest, returned exactly once when the order is cancelled, expires or is refunded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mall.models import Order, OrderStatus, Refund, RefundStatus
from mall.services.aftersales import refund_approve
from mall.services.orders import orders_cancel_expired
from members.models import BalanceEntry, BalanceKind, Member
from members.services.balance import balance_move
from outbox.models import Event
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS
from tests.journeys import pay_at_cashier
from wechat.emulator.models import MchRefund

pytestmark = pytest.mark.django_db


def give(member, fen: int):
    balance_move(member_id=member.pk, amount_fen=fen, kind=BalanceKind.ADJUSTMENT, source_key=f"test:{member.pk}:{fen}")


def balance_of(member) -> int:
    return Member.objects.get(pk=member.pk).balance_fen


def order_with(api, sku, *, use_balance=True, quantity=1):
    body = {"lines": [{"sku_id": sku.pk, "quantity": quantity}], "address": ADDRESS, "use_balance": use_balance}
    response = api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def sku():
    return SKUFactory(price_fen=5000, stock=10)  # 50.00 + 10.00 shipping


def test_the_balance_covers_part_and_wechat_pay_the_rest(member_api, member, sku):
    give(member, 3000)
    body = order_with(member_api, sku)
    assert (body["balance_fen"], body["pay_fen"], body["status"]) == (3000, 3000, "pending_payment")
    assert balance_of(member) == 0
    entry = BalanceEntry.objects.get(kind=BalanceKind.ORDER_PAYMENT)
    assert (entry.amount_fen, entry.balance_after_fen) == (-3000, 0)


def test_an_order_the_balance_covers_in_full_is_paid_at_once(member_api, member, sku):
    give(member, 10000)
    body = order_with(member_api, sku)
    assert (body["balance_fen"], body["pay_fen"], body["status"]) == (6000, 0, "paid")
    assert balance_of(member) == 4000
    order = Order.objects.get(number=body["number"])
    assert Event.objects.filter(name="order.paid", payload={"order_id": order.pk}).exists()


def test_without_asking_the_balance_is_left_alone(member_api, member, sku):
    give(member, 10000)
    body = order_with(member_api, sku, use_balance=False)
    assert (body["balance_fen"], body["pay_fen"]) == (0, 6000) and balance_of(member) == 10000


def test_cancelling_returns_the_balance_once(member_api, member, sku):
    give(member, 3000)
    number = order_with(member_api, sku)["number"]
    assert member_api.post(f"/api/v1/orders/{number}/cancel").status_code == 200
    Order.objects.filter(number=number).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_cancel_expired()  # finds it cancelled already: nothing more
    assert balance_of(member) == 3000
    assert BalanceEntry.objects.filter(kind=BalanceKind.ORDER_RETURN).count() == 1


def test_an_order_that_expires_unpaid_returns_its_balance(member_api, member, sku):
    give(member, 3000)
    number = order_with(member_api, sku)["number"]
    Order.objects.filter(number=number).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_cancel_expired() == 1
    assert Order.objects.get(number=number).status == OrderStatus.CANCELLED and balance_of(member) == 3000


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, is_superuser=True, openid=None)


def request_refund(api, number, **body):
    response = api.post(f"/api/v1/orders/{number}/refunds", {"reason": "不想要了", **body}, format="json")
    assert response.status_code == 201, response.json()
    return Refund.objects.get(pk=response.json()["id"])


def test_a_full_refund_sends_wechats_part_back_through_wechat_and_the_rest_to_the_balance(
    member_api, member, sku, operator, django_capture_on_commit_callbacks
):
    give(member, 2000)
    order = pay_at_cashier(member_api, Order.objects.get(number=order_with(member_api, sku)["number"]))
    assert (order.status, order.pay_fen, order.balance_fen) == (OrderStatus.PAID, 4000, 2000)
    refund = request_refund(member_api, order.number)
    assert (refund.amount_fen, refund.balance_fen) == (6000, 2000)
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund=refund, by=operator)
    order.refresh_from_db()
    assert (order.status, order.refunded_fen, order.balance_refunded_fen) == (OrderStatus.REFUNDED, 6000, 2000)
    assert MchRefund.objects.get().refund_fee == 4000  # WeChat only ever saw its own part
    assert balance_of(member) == 2000


def test_an_order_paid_from_the_balance_alone_is_refunded_to_it_at_once(member_api, member, sku, operator, django_capture_on_commit_callbacks):
    give(member, 6000)
    number = order_with(member_api, sku)["number"]
    refund = request_refund(member_api, number)
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund=refund, by=operator)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REFUNDED and not MchRefund.objects.exists()
    assert Order.objects.get(number=number).status == OrderStatus.REFUNDED and balance_of(member) == 6000


def test_a_partial_refund_comes_out_of_wechats_part_first(member_api, member, sku):
    give(member, 2000)
    order = pay_at_cashier(member_api, Order.objects.get(number=order_with(member_api, sku)["number"]))
    assert request_refund(member_api, order.number, amount_fen=1500).balance_fen == 0


def test_reconciliation_proves_balance_equals_its_ledger(member):
    from distribution.services.reconcile import reconcile

    give(member, 1234)
    assert reconcile() == []
    Member.objects.filter(pk=member.pk).update(balance_fen=2000)  # moved without a ledger row
    [difference] = reconcile()
    assert (difference.subject, difference.expected, difference.actual) == (f"member {member.pk}", 1234, 2000)


def test_the_same_source_never_moves_the_balance_twice(member):
    from members.errors import AlreadyMoved

    give(member, 500)
    with pytest.raises(AlreadyMoved):
        give(member, 500)
    assert balance_of(member) == 500


def test_a_refused_move_leaves_the_callers_transaction_usable(member):
    """No savepoint around a move: a repeated source or a shortfall must still leave the
    transaction it ran in able to go on, with nothing of the refused move in it."""
    from django.db import transaction

    from members.errors import AlreadyMoved, InsufficientBalance
    from members.services.balance import balance_move_once

    with transaction.atomic():
        give(member, 500)
        assert balance_move_once(member_id=member.pk, amount_fen=500, kind=BalanceKind.ADJUSTMENT, source_key=f"test:{member.pk}:500") is False
        with pytest.raises(AlreadyMoved):
            give(member, 500)
        with pytest.raises(InsufficientBalance):
            balance_move(member_id=member.pk, amount_fen=-501, kind=BalanceKind.ADJUSTMENT, source_key="test:take")
        entry = balance_move(member_id=member.pk, amount_fen=-200, kind=BalanceKind.ADJUSTMENT, source_key="test:take")
    assert balance_of(member) == 300
    assert entry.pk and entry.balance_after_fen == 300
    assert list(BalanceEntry.objects.filter(member=member).values_list("amount_fen", flat=True).order_by("id")) == [500, -200]
