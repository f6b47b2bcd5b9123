"""Points (积分): earned when an order completes (floor of paid yuan × the rate), taken back
in proportion when it is refunded (never below zero), once each whatever the order the
events arrive in; the points API and page; points always equal their ledger."""

import logging

import pytest
from django.utils import timezone

from campaigns.models import CampaignSettings
from campaigns.services.points import order_points_earn, order_points_take_back
from distribution.services.reconcile import reconcile
from mall.models import ORDER_REFUNDED, Order, OrderStatus, Refund, RefundStatus
from mall.services.aftersales import refund_approve
from members.models import Member, PointsEntry
from members.selectors import points_differences
from members.services.balance import balance_move
from members.services.points import points_move
from outbox.models import Delivery
from outbox.services import publish
from tests.distribution.conftest import buy, complete
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events, operator_settings, shop_settings
from tests.journeys import pay_at_cashier, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_shipping(db):
    """Shipping is paid too (and earns); these tests count on the goods alone."""
    shop_settings(shipping_fee_fen=0)


def points_of(member) -> int:
    return Member.objects.get(pk=member.pk).points


def completed(member, price_fen=12345, quantity=1) -> Order:
    """Bought, paid, shipped, received; its events delivered."""
    order = complete(buy(member, SKUFactory(price_fen=price_fen, stock=100), quantity))
    deliver_events()
    return order


def refunded(order, amount_fen, *, deliver=True) -> Refund:
    """A refund asked for now that went through (as after-sales records it), announced and delivered."""
    refund = Refund.objects.create(order=order, amount_fen=amount_fen, reason="退款", status=RefundStatus.REFUNDED,
                                   order_status_before=order.status, refunded_at=timezone.now())
    Order.objects.filter(pk=order.pk).update(refunded_fen=order.refunded_fen + amount_fen)
    order.refresh_from_db()
    publish(ORDER_REFUNDED, order_id=order.pk, refund_id=refund.pk)
    if deliver:
        deliver_events()
    return refund


def assert_books_balance():
    assert points_differences() == []
    assert [d for d in reconcile() if "points" in d.what] == []


# --- Earning --------------------------------------------------------------------------


def test_a_completed_order_earns_a_point_per_whole_yuan_paid(member):
    order = completed(member, price_fen=12345)  # ¥123.45
    assert order.status == OrderStatus.COMPLETED and points_of(member) == 123
    entry = PointsEntry.objects.get(member=member)
    assert (entry.amount, entry.reason, entry.source_key) == (123, "order", f"order:{order.pk}:completed")
    assert_books_balance()


def test_the_rate_is_the_operators_and_zero_gives_nothing(member):
    operator_settings(CampaignSettings, points_per_yuan=3)
    completed(member, price_fen=1050)  # ¥10.50 × 3 = 31.5
    assert points_of(member) == 31
    operator_settings(CampaignSettings, points_per_yuan=0)
    completed(member, price_fen=1050)
    assert points_of(member) == 31 and PointsEntry.objects.count() == 1


def test_what_was_paid_from_the_balance_earns_too(member):
    balance_move(member_id=member.pk, amount_fen=5000, kind="adjustment", source_key="test:balance")
    order = buy(member, SKUFactory(price_fen=10000))
    Order.objects.filter(pk=order.pk).update(balance_fen=3000, pay_fen=order.pay_fen - 3000)
    order.refresh_from_db()
    complete(order)
    deliver_events()
    assert points_of(member) == 100


def test_an_order_earns_once_however_often_its_event_is_handled(member):
    order = completed(member, price_fen=5000)
    assert order_points_earn(order=order) == 0
    assert points_of(member) == 50 and PointsEntry.objects.count() == 1


def test_paying_is_not_enough_the_order_must_complete(member):
    order = buy(member, SKUFactory(price_fen=5000))
    deliver_events()
    assert order_points_earn(order=order) == 0 and points_of(member) == 0


# --- Taking back on refund ------------------------------------------------------------


def test_a_partial_refund_takes_back_its_share(member):
    order = completed(member, price_fen=10000)  # 100 points
    refund = refunded(order, 2500)
    assert points_of(member) == 75
    entry = PointsEntry.objects.get(reason="order_refund")
    assert (entry.amount, entry.source_key) == (-25, f"order:{order.pk}:refund:{refund.pk}")
    assert_books_balance()


def test_partial_refunds_add_up_to_everything_earned_on_a_full_refund(member):
    order = completed(member, price_fen=3333, quantity=3)  # ¥99.99: 99 points
    for _ in range(3):
        refunded(order, 3333)
    assert points_of(member) == 0
    assert sorted(PointsEntry.objects.filter(reason="order_refund").values_list("amount", flat=True)) == [-33, -33, -33]
    assert_books_balance()


def test_a_refund_is_taken_back_once(member):
    order = completed(member, price_fen=10000)
    refund = refunded(order, 4000)
    assert order_points_take_back(order=order, refund=refund) == 0
    assert points_of(member) == 60


def test_a_refund_before_completion_takes_nothing_and_is_not_earned(member):
    order = buy(member, SKUFactory(price_fen=10000))
    refunded(order, 4000)  # asked for while the order was paid
    complete(order)
    deliver_events()
    assert points_of(member) == 60  # earned on what was kept
    assert not PointsEntry.objects.filter(reason="order_refund").exists()


def test_a_refund_handled_before_the_completion_points_is_taken_back_when_they_are_booked(member):
    operator_settings(CampaignSettings, points_per_yuan=0)
    order = completed(member, price_fen=10000)  # the completion's delivery earned nothing: as if not yet run
    refund = refunded(order, 2000)
    assert points_of(member) == 0
    operator_settings(CampaignSettings, points_per_yuan=1)
    assert order_points_earn(order=order) == 100  # its delivery running late, after the refund's
    assert points_of(member) == 80
    assert PointsEntry.objects.filter(source_key=f"order:{order.pk}:refund:{refund.pk}", amount=-20).exists()
    assert_books_balance()


def test_points_already_spent_are_not_taken_below_zero(member, caplog):
    order = completed(member, price_fen=10000)  # 100 points
    points_move(member_id=member.pk, amount=-90, reason="wheel_cost", source_key="test:spent")
    refunded(order, 5000)  # 50 due back, 10 left
    assert points_of(member) == 0
    entry = PointsEntry.objects.get(reason="order_refund")
    assert entry.amount == -10 and "应扣 50" in entry.note and "实扣 10" in entry.note
    with caplog.at_level(logging.WARNING, logger="campaigns.services.points"):
        refunded(order, 5000)  # 50 more due, nothing left: nothing booked, the shortfall logged
    assert points_of(member) == 0 and PointsEntry.objects.filter(reason="order_refund").count() == 1
    assert "none left" in caplog.text
    assert_books_balance()


def test_points_come_back_out_through_a_real_refund(member_api, member, django_capture_on_commit_callbacks):
    order = complete(pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=10000, stock=5))))
    deliver_events()
    assert points_of(member) == 100
    response = member_api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了", "amount_fen": 3000}, format="json")
    assert response.status_code == 201, response.json()
    operator = MemberFactory(is_staff=True, is_superuser=True, openid=None)
    with django_capture_on_commit_callbacks(execute=True):  # WeChat (the emulator) refunds and notifies
        refund_approve(refund=Refund.objects.get(pk=response.json()["id"]), by=operator)
    assert Refund.objects.get().status == RefundStatus.REFUNDED
    deliver_events()
    assert points_of(member) == 70
    assert not Delivery.objects.filter(subscriber__startswith="campaigns.order_points", status="pending").exists()


# --- The API and the page -------------------------------------------------------------


def test_get_points_is_the_balance_and_a_page_of_history(member_api, member):
    for n in range(5):
        points_move(member_id=member.pk, amount=10 + n, reason="checkin", source_key=f"test:{n}", note=f"第 {n} 天")
    body = member_api.get("/api/v1/points?page_size=2").json()
    assert body["balance"] == 60 and body["count"] == 5 and body["previous"] is None and "page=2" in body["next"]
    assert [entry["amount"] for entry in body["history"]] == [14, 13]
    assert set(body["history"][0]) >= {"amount", "reason", "created_at"} and body["history"][0]["reason"] == "checkin"
    last = member_api.get("/api/v1/points?page_size=2&page=3").json()
    assert [entry["amount"] for entry in last["history"]] == [10] and last["next"] is None
    assert member_api.get("/api/v1/points?page=9").status_code == 404


def test_points_are_a_members_own_and_need_a_login(api, member_api, member):
    points_move(member_id=MemberFactory().pk, amount=10, reason="checkin", source_key="test:other")
    assert member_api.get("/api/v1/points").json() == {"balance": 0, "count": 0, "next": None, "previous": None, "history": []}
    response = api.get("/api/v1/points")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_points_page_lists_the_balance_and_history(client, member):
    points_move(member_id=member.pk, amount=15, reason="checkin", source_key="test:a", note="签到 2026-06-10")
    points_move(member_id=member.pk, amount=-5, reason="makeup", source_key="test:b")
    client.force_login(member)
    page = client.get("/points/").content.decode()
    assert '<div class="points-balance">10</div>' in page
    assert "签到 2026-06-10" in page and "+15" in page and "-5" in page and "补签消耗" in page
    assert client.get("/points/?page=x").status_code == 200


def test_the_points_page_needs_a_login(client):
    assert client.get("/points/").status_code == 302
