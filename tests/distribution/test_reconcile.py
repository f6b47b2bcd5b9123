"""Reconciliation also proves completeness: a paid order whose commission was never
worked out, or a refund whose commission was never voided, is reported."""

from datetime import timedelta

import pytest
from django.utils import timezone

from distribution.services.commissions import commissions_earn, commissions_void
from distribution.services.reconcile import reconcile
from mall.models import Order
from tests.distribution.conftest import buy
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db


def an_hour_later():
    return timezone.now() + timedelta(hours=1)


def paid_without_its_event(buyer, sku) -> Order:
    """An order paid whose "paid" event never reached distribution (the two cases of the issue)."""
    from mall.services.orders import LineRequest, order_create
    from tests.helpers import DESTINATION

    order = order_create(member=buyer, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    Order.objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now())
    return order


def test_a_paid_order_whose_commission_was_never_worked_out_is_reported(abc):
    a, b, c = abc
    order = paid_without_its_event(c, SKUFactory(price_fen=10000))
    assert reconcile() == []  # a moment ago: its event may still be in flight
    [difference] = reconcile(now=an_hour_later())
    assert difference.subject == f"order {order.number}" and difference.actual == "never"
    commissions_earn(order=order)
    assert reconcile(now=an_hour_later()) == []


def test_an_order_with_no_sharer_is_complete_once_worked_out(rules):
    from tests.factories import MemberFactory

    order = paid_without_its_event(MemberFactory(), SKUFactory(price_fen=10000))
    commissions_earn(order=order)
    order.referral_snapshot.refresh_from_db()
    assert order.referral_snapshot.earn_outcome == "无推荐人"
    assert reconcile(now=an_hour_later()) == []


def test_a_refund_whose_commission_stayed_frozen_is_reported(abc):
    a, b, c = abc
    order = buy(c, SKUFactory(price_fen=10000))
    Order.objects.filter(pk=order.pk).update(refunded_fen=order.pay_fen, status="refunded")  # the void never ran
    differences = reconcile(now=an_hour_later())
    assert {d.what for d in differences} == {f"commission {pk} voided after refunds" for pk in order.commissions.values_list("pk", flat=True)}
    commissions_void(order=order)
    assert reconcile(now=an_hour_later()) == []
