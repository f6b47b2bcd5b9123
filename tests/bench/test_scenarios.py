"""The suite's flash sale, payment notification and campaign scenarios at a tiny scale
(PostgreSQL): what their targets send is what our endpoints and the limits accept, the limits
answer as the scenarios expect, and each invariant check turns false when what it guards is
broken. Requests go through Django's test client; gunicorn and wrk are the harness test's."""

import re
from collections import Counter

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from bench import suite
from bench.shop import seed
from campaigns.models import Checkin, PacketShare, WheelPrize
from mall.models import SKU, Order, OrderEvent, OrderStatus, Payment
from members.models import Member
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.urls("bench.urls")]

TINY = {"products": 10, "skus_per_product": 2, "categories": 4, "members": 120, "orders": 40, "packet_shares": 30, "flash_units": 10}


@pytest.fixture
def shop():
    return seed(**TINY)


def send(target: str, member_id: int | None = None, *, content_type: str = "application/json"):
    """One target as wrk sends it ("<path>" or "<path>\\t<body>"), as this logged-in member."""
    client = Client()
    if member_id:
        client.force_login(Member.objects.get(pk=member_id))
    path, _, body = target.partition("\t")
    return client.post(path, body, content_type=content_type)


def answered(ok: int, **statuses) -> dict:
    """A side's figures as the checks read them: `ok` answers, none in flight."""
    return {"ok": ok, "refused": 0, "in_flight": 0, "statuses": statuses}


def broken(checks: dict[str, bool]) -> list[str]:
    return [what for what, holds in checks.items() if not holds]


def scenario(name: str) -> suite.Scenario:
    return next(s for s in suite.SCENARIOS if s.name == name)


def test_the_flash_sale_sells_exactly_its_units_on_both_sides_and_a_unit_left_fails_the_row(shop):
    suite.flash_prepare(shop)
    buyers = suite.flash_buyers(shop)
    sides = {}
    for n, (side, path, sku_id) in enumerate((("ours", "/api/v1/orders", shop.flash_sku_id), ("limit", "/limit/orders", shop.bare_flash_sku_id))):
        targets = suite.flash_orders(shop, path, sku_id, n)[:buyers]
        answers = [send(target, member) for target, member in zip(targets, suite.side_members(shop, n)[:buyers], strict=True)]
        sides[side] = {"statuses": dict(Counter(answer.status_code for answer in answers))}
        assert sides[side]["statuses"] == {201: 10, 409: 20}
        assert answers[-1].json()["code"] == "out_of_stock"

    assert broken(suite.flash_checks(shop, sides)) == []
    SKU.objects.filter(pk=shop.flash_sku_id).update(stock=1)
    assert broken(suite.flash_checks(shop, sides)) == ["ours: 1 units left"]


def test_a_flash_sale_again_on_the_same_shop_finds_its_stock_and_its_buyers_new(shop):
    buyer = suite.side_members(shop, 0)[0]
    target = suite.flash_orders(shop, "/api/v1/orders", shop.flash_sku_id, 0)[0]
    assert send(target, buyer).status_code == 201

    suite.flash_prepare(shop)

    assert SKU.objects.get(pk=shop.flash_sku_id).stock == SKU.objects.get(pk=shop.bare_flash_sku_id).stock == 10
    assert not Order.objects.filter(member_id=buyer, status=OrderStatus.PENDING_PAYMENT).exists()
    assert list(Order.objects.get(member_id=buyer, lines__sku_id=shop.flash_sku_id).events.values_list("to_status", flat=True)) == [
        "pending_payment", "cancelled"]


def test_a_signed_notification_pays_its_order_once_and_the_same_bytes_again_change_nothing(shop, monkeypatch):
    monkeypatch.setattr(suite, "PAYMENTS", 5)
    first, replayed = scenario("payment notification"), scenario("payment notification replayed")
    ours, limit = first.ours(shop), first.limit(shop)
    assert len(ours) == len(limit) == 5 and all(target.startswith("/wechat/pay/notify/\t<xml>") for target in ours)
    paid_before = first.prepare(shop)

    for target in ours[:3] + limit[:3]:
        assert b"SUCCESS" in send(target, content_type=first.content_type).content
    assert broken(first.check(shop, {"ours": answered(3), "limit": answered(3)}, paid_before)) == []
    number = re.search(r"<out_trade_no>(?:<!\[CDATA\[)?(\d+)", ours[0]).group(1)
    assert Order.objects.get(number=number).status == OrderStatus.PAID
    assert Payment.objects.get(out_trade_no=number).transaction_id == f"4200{number}"

    again = replayed.ours(shop)
    assert sorted(again) == sorted(ours[:3]) and sorted(replayed.limit(shop)) == sorted(limit[:3])
    before = replayed.prepare(shop)
    for target in again:
        assert b"SUCCESS" in send(target, content_type=replayed.content_type).content
    assert broken(replayed.check(shop, {"ours": answered(3), "limit": answered(3)}, before)) == []

    OrderEvent.objects.create(order=Order.objects.get(number=number), from_status="pending_payment", to_status="paid",
                              actor_kind="wechat", reason="a second payment")
    assert broken(replayed.check(shop, {"ours": answered(3), "limit": answered(3)}, before)) == [
        "ours: the notified orders, payments and events as they were", "ours: 1 paid orders without exactly one paid event"]


def test_check_ins_each_with_its_reward_hold_and_a_forged_one_breaks_the_check(shop):
    before = suite.checkin_prepare(shop)
    ours, limit = suite.side_members(shop, 0), suite.side_members(shop, 1)
    check_in = scenario("check-in")
    for member in ours[:3]:
        assert send(check_in.ours(shop)[0], member).status_code in (200, 201)
    assert [send(check_in.limit(shop)[0], member).status_code for member in (limit[0], limit[1], limit[0])] == [201, 201, 409]
    assert suite.not_checked_in(shop, 0, ours[:5]) == set(ours[3:5])

    sides = {"ours": answered(3), "limit": answered(2)}
    assert broken(suite.checkin_checks(shop, sides, before)) == []
    Checkin.objects.create(campaign_id=shop.checkin_campaign_id, member_id=ours[5], day=timezone.localdate(), streak=1)
    assert broken(suite.checkin_checks(shop, sides, before)) == ["ours: 4 check-ins for 3 answers", "ours: 1 check-ins today without their reward"]


def test_spins_hold_and_a_prize_given_without_its_win_breaks_the_check(shop):
    before = suite.wheel_prepare(shop)
    ours = suite.side_members(shop, 0)
    spin = scenario("wheel spin")
    for member in ours[:3]:
        assert send(spin.ours(shop)[0], member).status_code == 200
    assert send(spin.limit(shop)[0], suite.side_members(shop, 1)[0]).json() == {"won": True}
    assert suite.not_spun(shop, 0, ours[:4]) == {ours[3]}

    sides = {"ours": answered(3), "limit": answered(1)}
    assert broken(suite.wheel_checks(shop, sides, before)) == []
    prize = WheelPrize.objects.filter(pk__in=shop.prize_ids, stock__isnull=False).order_by("pk").first()
    WheelPrize.objects.filter(pk=prize.pk).update(given=F("given") + 1)
    assert broken(suite.wheel_checks(shop, sides, before)) == ["ours: 1 prizes whose wins are not the stock they gave"]


def test_the_bare_prize_runs_out_as_its_stock_says(shop):
    WheelPrize.objects.filter(pk=shop.bare_prize_id).update(given=F("stock") - 1)
    member = suite.side_members(shop, 1)[0]
    target = scenario("wheel spin").limit(shop)[0]
    assert [send(target, member).json()["won"] for _ in range(2)] == [True, False]


def test_grabs_hold_and_a_share_claimed_without_a_grab_breaks_the_check(shop):
    before = suite.grab_prepare(shop)
    ours, limit = suite.side_members(shop, 0), suite.side_members(shop, 1)
    grab = scenario("red packet grab")
    for member in ours[:3]:
        assert send(grab.ours(shop)[0], member).status_code == 200
    assert [send(grab.limit(shop)[0], member).status_code for member in (limit[0], limit[0])] == [200, 409]  # one share a member
    assert suite.not_grabbed(shop, 1, limit[:2]) == {limit[1]}

    sides = {"ours": answered(3), "limit": answered(1)}
    assert broken(suite.grab_checks(shop, sides, before)) == []
    share = PacketShare.objects.filter(packet_id=shop.packet_id, member__isnull=True).order_by("position").first()
    PacketShare.objects.filter(pk=share.pk).update(member_id=ours[9])
    assert broken(suite.grab_checks(shop, sides, before)) == ["ours: 4 shares claimed for 3 answers", "ours: 27 shares left of 30"]


def test_the_bare_packet_answers_409_once_empty(shop):
    shares = PacketShare.objects.filter(packet_id=shop.bare_packet_id).order_by("position")
    for share, member in zip(shares[1:], suite.side_members(shop, 0), strict=False):  # all but one claimed
        PacketShare.objects.filter(pk=share.pk).update(member_id=member)
    target = scenario("red packet grab").limit(shop)[0]
    first, second = suite.side_members(shop, 1)[:2]
    assert send(target, first).status_code == 200
    assert send(target, second).json() == {"code": "packet_empty_or_grabbed"}
