"""Coupons under races (PostgreSQL, real threads and connections): limits and stock are
counters moved by guarded UPDATEs, so no tapping and no crowd gets more than allowed; a
coupon is used by one order at a time and comes back exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import InvalidStatus
from mall.models import Coupon, CouponClaimCount, CouponTemplate, Order, OrderEvent, OrderStatus
from mall.services.coupons import coupon_grant
from mall.services.orders import LineRequest, order_cancel, order_create, orders_cancel_expired
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS, DESTINATION, requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def template(**fields) -> CouponTemplate:
    return CouponTemplate.objects.create(**{"title": "满 100 减 20", "kind": "amount", "amount_fen": 2000, **fields})


def claims(client, tmpl):
    return lambda: client.post(f"/api/v1/coupon-templates/{tmpl.pk}/claim")


def test_thirty_taps_at_once_of_a_one_per_member_coupon_give_one():
    tmpl = template(per_member_limit=1, total=100)
    member = MemberFactory()

    results, errors = race([claims(logged_in(member), tmpl) for _ in range(30)])

    assert not errors, errors
    assert Counter(r.status_code for r in results) == {201: 1, 409: 29}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"claim_limit_reached"}
    assert Coupon.objects.filter(member=member).count() == 1
    assert CouponTemplate.objects.get(pk=tmpl.pk).claimed == 1
    assert CouponClaimCount.objects.get(template=tmpl, member=member, day__isnull=True).count == 1


def test_thirty_taps_at_once_against_a_daily_limit_give_the_day_its_share():
    tmpl = template(per_member_limit=10, per_member_daily_limit=2)
    member = MemberFactory()

    results, errors = race([claims(logged_in(member), tmpl) for _ in range(30)])

    assert not errors, errors
    assert Counter(r.status_code for r in results) == {201: 2, 409: 28}
    assert Coupon.objects.filter(member=member).count() == 2
    assert CouponClaimCount.objects.get(template=tmpl, member=member, day=timezone.localdate()).count == 2
    assert CouponClaimCount.objects.get(template=tmpl, member=member, day__isnull=True).count == 2  # the refused rolled back


def test_thirty_members_racing_for_the_last_ten():
    tmpl = template(total=50, claimed=40, per_member_limit=1)

    results, errors = race([claims(logged_in(MemberFactory()), tmpl) for _ in range(30)])

    assert not errors, errors
    assert Counter(r.status_code for r in results) == {201: 10, 409: 20}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"sold_out"}
    tmpl.refresh_from_db()
    assert tmpl.claimed == tmpl.total == 50
    assert Coupon.objects.filter(template=tmpl).count() == 10
    assert CouponClaimCount.objects.filter(template=tmpl, day__isnull=True, count=1).count() == 10  # the sold-out claims counted nothing


def test_ten_orders_at_once_with_one_coupon_use_it_once():
    member = MemberFactory()
    coupon = coupon_grant(template=template(), member_id=member.pk, source_key="test:race")
    sku = SKUFactory(price_fen=5000, stock=100)
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "coupon_id": coupon.pk}
    clients = [logged_in(member) for _ in range(10)]

    results, errors = race([lambda c=c: c.post("/api/v1/orders", body, format="json") for c in clients])

    assert not errors, errors
    assert Counter(r.status_code for r in results) == {201: 1, 409: 9}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"coupon_unavailable"}
    [placed] = [r.json() for r in results if r.status_code == 201]
    assert placed["discount_fen"] == 2000
    assert Coupon.objects.get(pk=coupon.pk).order.number == placed["number"]
    assert Order.objects.count() == 1


def test_a_shopper_cancelling_as_the_expiry_job_runs_gets_the_coupon_back_once():
    """Cancel and two expiry sweeps race for an expired order that used a coupon, while the
    shopper already places the next order with that coupon. The coupon comes back once:
    either the new order holds it, or (the new order came too early) it is unused, never
    freed from the new order by a second give-back."""
    member = MemberFactory()
    coupon = coupon_grant(template=template(), member_id=member.pk, source_key="test:race")
    sku = SKUFactory(price_fen=5000, stock=1000)
    outcomes = Counter()
    for _ in range(10):
        order = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)], coupon_id=coupon.pk)
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

        def shopper_cancels(order=order):
            try:
                order_cancel(order=order, actor=member)
                return "cancelled"
            except InvalidStatus:
                return "too late"

        def next_order():
            try:
                return order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)], coupon_id=coupon.pk)
            except Exception as exc:  # noqa: BLE001 — the coupon was not back yet
                return exc.__class__.__name__

        results, errors = race([shopper_cancels, orders_cancel_expired, orders_cancel_expired, next_order])

        assert not errors, errors
        assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1
        now = Coupon.objects.get(pk=coupon.pk)
        nxt = results[3]
        if isinstance(nxt, Order):
            outcomes["reused"] += 1
            assert (now.status, now.order_id) == ("used", nxt.pk)
            order_cancel(order=nxt, actor=member)  # back for the next round
        else:
            outcomes["refused"] += 1
            assert nxt == "CouponUnavailable"
            assert (now.status, now.order_id, now.used_at) == ("unused", None, None)
        assert Coupon.objects.get(pk=coupon.pk).status == "unused"
    assert sum(outcomes.values()) == 10
