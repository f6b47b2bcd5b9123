"""The lucky wheel (大转盘): the draw, stock, quotas and points cost in one transaction, each
prize delivered once, the API as API.md states it, the page, and the back office."""

import csv
import io
import random
import re
import secrets
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.errors import CampaignNotActive, DailyLimitReached
from campaigns.models import (
    Campaign,
    Participation,
    Play,
    PrizeKind,
    PrizeShipment,
    ShipmentStatus,
    Spin,
    SpinCount,
    Wheel,
    WheelPrize,
)
from campaigns.services import wheel as wheel_service
from campaigns.services.wheel import prize_draw, prize_shipment_ship, wheel_spin
from mall.models import Coupon, CouponTemplate
from members.errors import AlreadyMoved, InsufficientPoints
from members.models import BalanceEntry, Member, PointsEntry, PointsReason
from members.selectors import balance_differences, points_differences
from members.services.points import points_move
from tests.factories import AddressFactory, MemberFactory

pytestmark = pytest.mark.django_db

THANKS = {"name": "谢谢参与", "kind": PrizeKind.NONE, "weight": 1}


def make_wheel(*prizes, cost_points=0, spins_per_day=3, spins_per_campaign=None, starts=-1, ends=24 * 7, is_active=True, rules=None):
    """A wheel whose campaign runs from `starts` to `ends` hours from now, with these prizes in slot order."""
    now = timezone.now()
    campaign = Campaign.objects.create(
        title="幸运大转盘", play=Play.WHEEL, starts_at=now + timedelta(hours=starts), ends_at=now + timedelta(hours=ends),
        is_active=is_active, rules=rules or [],
    )
    wheel = Wheel.objects.create(campaign=campaign, cost_points=cost_points, spins_per_day=spins_per_day, spins_per_campaign=spins_per_campaign)
    for position, prize in enumerate(prizes or [{"name": "10 积分", "kind": PrizeKind.POINTS, "points": 10}, THANKS]):
        WheelPrize.objects.create(wheel=wheel, position=position, **prize)
    return wheel


def land_on(monkeypatch, wheel, name):
    """Every draw picks the prize called `name` (the first ticket of its weight)."""
    prizes = list(wheel.prizes.all())
    ticket = 0
    for prize in prizes:
        if prize.name == name:
            break
        ticket += prize.weight
    monkeypatch.setattr(wheel_service, "randbelow", lambda total: ticket)


def give_points(member, amount):
    points_move(member_id=member.pk, amount=amount, reason=PointsReason.ADJUSTMENT, source_key=f"test:{member.pk}:{amount}")


def coupon_template(**fields):
    return CouponTemplate.objects.create(**{"title": "满 100 减 10", "amount_fen": 1000, "threshold_fen": 10000, "is_public": False, **fields})


# --- The draw ---------------------------------------------------------------------------


def test_the_draw_uses_a_cryptographically_sound_source():
    assert wheel_service.randbelow is secrets.randbelow


def test_each_ticket_belongs_to_one_prize_so_the_weights_are_exact(monkeypatch):
    prizes = [WheelPrize(name="A", kind=PrizeKind.PHYSICAL, weight=1), WheelPrize(name="B", kind=PrizeKind.POINTS, weight=9),
              WheelPrize(name="C", kind=PrizeKind.NONE, weight=90)]
    tickets = iter(range(100))
    monkeypatch.setattr(wheel_service, "randbelow", lambda total: next(tickets))
    assert Counter(prize_draw(prizes).name for _ in range(100)) == {"A": 1, "B": 9, "C": 90}


def test_weights_are_honoured_statistically(monkeypatch):
    prizes = [WheelPrize(name="大奖", kind=PrizeKind.PHYSICAL, weight=2), WheelPrize(name="积分", kind=PrizeKind.POINTS, weight=18),
              WheelPrize(name="券", kind=PrizeKind.COUPON, weight=30), WheelPrize(name="谢谢", kind=PrizeKind.NONE, weight=50)]
    monkeypatch.setattr(wheel_service, "randbelow", random.Random(20261122).randrange)
    draws = 20_000
    counts = Counter(prize_draw(prizes).name for _ in range(draws))
    for prize in prizes:
        expected = draws * prize.weight / 100
        sigma = (draws * prize.weight / 100 * (1 - prize.weight / 100)) ** 0.5
        assert abs(counts[prize.name] - expected) < 4 * sigma, (prize.name, counts[prize.name], expected)


def test_a_spin_gives_the_prize_the_draw_chose(member, monkeypatch):
    wheel = make_wheel()
    land_on(monkeypatch, wheel, "10 积分")
    outcome = wheel_spin(wheel=wheel, member=member)
    assert outcome.spin.prize.name == "10 积分" and outcome.spin.prize_kind == PrizeKind.POINTS
    assert outcome.spins_left_today == 2
    assert Member.objects.get(pk=member.pk).points == 10


# --- Stock ----------------------------------------------------------------------------


def test_a_prize_whose_stock_ran_out_gives_the_consolation_slot(monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 2}, THANKS, spins_per_day=5)
    land_on(monkeypatch, wheel, "保温杯")
    member = MemberFactory()
    kinds = [wheel_spin(wheel=wheel, member=member).spin.prize_kind for _ in range(4)]
    assert kinds == [PrizeKind.PHYSICAL, PrizeKind.PHYSICAL, PrizeKind.NONE, PrizeKind.NONE]
    cup = WheelPrize.objects.get(name="保温杯")
    assert cup.given == cup.stock == 2
    assert set(Spin.objects.filter(prize_kind=PrizeKind.NONE).values_list("prize__name", flat=True)) == {"谢谢参与"}
    assert PrizeShipment.objects.count() == 2


def test_without_a_thanks_slot_the_consolation_is_a_plain_thanks(member, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 0}, {"name": "5 积分", "kind": PrizeKind.POINTS, "points": 5})
    land_on(monkeypatch, wheel, "保温杯")
    spin = wheel_spin(wheel=wheel, member=member).spin
    assert spin.prize is None and spin.prize_kind == PrizeKind.NONE
    assert WheelPrize.objects.get(name="保温杯").given == 0


def test_unlimited_stock_counts_what_was_given(member, monkeypatch):
    wheel = make_wheel()
    land_on(monkeypatch, wheel, "10 积分")
    for _ in range(3):
        wheel_spin(wheel=wheel, member=member)
    assert WheelPrize.objects.get(name="10 积分").given == 3


def test_a_coupon_prize_whose_coupons_ran_out_gives_the_consolation_and_keeps_its_stock(member, monkeypatch):
    template = coupon_template(total=1)
    template.claimed = 1
    template.save()
    wheel = make_wheel({"name": "优惠券", "kind": PrizeKind.COUPON, "coupon_template": template, "stock": 10}, THANKS)
    land_on(monkeypatch, wheel, "优惠券")
    spin = wheel_spin(wheel=wheel, member=member).spin
    assert spin.prize_kind == PrizeKind.NONE and spin.prize.name == "谢谢参与"
    assert WheelPrize.objects.get(name="优惠券").given == 0  # taken back with its savepoint
    assert not Coupon.objects.exists()
    assert Spin.objects.count() == 1


# --- Quotas -----------------------------------------------------------------------------


def test_spins_per_day_are_counted_per_shanghai_day(member):
    wheel = make_wheel(spins_per_day=2)
    today = timezone.now()
    assert [wheel_spin(wheel=wheel, member=member, now=today).spins_left_today for _ in range(2)] == [1, 0]
    with pytest.raises(DailyLimitReached):
        wheel_spin(wheel=wheel, member=member, now=today)
    assert wheel_spin(wheel=wheel, member=member, now=today + timedelta(days=1)).spins_left_today == 1
    assert Spin.objects.count() == 3
    assert SpinCount.objects.get(day=timezone.localdate(today)).count == 2


def test_the_quota_is_each_members_own(member):
    wheel = make_wheel(spins_per_day=1)
    wheel_spin(wheel=wheel, member=member)
    assert wheel_spin(wheel=wheel, member=MemberFactory()).spin


def test_spins_per_campaign_hold_across_days(member):
    wheel = make_wheel(spins_per_day=2, spins_per_campaign=3)
    now = timezone.now()
    wheel_spin(wheel=wheel, member=member, now=now)
    wheel_spin(wheel=wheel, member=member, now=now)
    outcome = wheel_spin(wheel=wheel, member=member, now=now + timedelta(days=1))
    assert outcome.spins_left_today == 0  # one left today by the day's quota, none by the campaign's
    with pytest.raises(DailyLimitReached) as refused:
        wheel_spin(wheel=wheel, member=member, now=now + timedelta(days=1))
    assert refused.value.code == "daily_limit_reached" and "活动" in refused.value.message
    assert SpinCount.objects.get(day__isnull=True).count == 3


def test_a_refused_spin_leaves_no_count_behind(member):
    wheel = make_wheel(cost_points=10)
    with pytest.raises(InsufficientPoints):
        wheel_spin(wheel=wheel, member=member)
    assert not SpinCount.objects.exists() and not Spin.objects.exists()
    assert wheel_service.wheel_spins_left(wheel=wheel, member_id=member.pk) == 3


@pytest.mark.parametrize("window", [{"starts": 1}, {"starts": -48, "ends": -1}, {"is_active": False}])
def test_a_wheel_that_is_not_running_refuses_and_changes_nothing(member, window):
    wheel = make_wheel(cost_points=5, **window)
    give_points(member, 50)
    with pytest.raises(CampaignNotActive):
        wheel_spin(wheel=wheel, member=member)
    assert not Spin.objects.exists() and not SpinCount.objects.exists()
    assert Member.objects.get(pk=member.pk).points == 50


def test_a_wheel_of_another_play_is_not_active(member):
    wheel = make_wheel()
    Campaign.objects.filter(pk=wheel.campaign_id).update(play=Play.CHECKIN)
    with pytest.raises(CampaignNotActive):
        wheel_spin(wheel=Wheel.objects.get(pk=wheel.pk), member=member)


# --- The points cost ---------------------------------------------------------------------


def test_the_cost_is_taken_with_the_spin(member, monkeypatch):
    wheel = make_wheel(cost_points=10)
    land_on(monkeypatch, wheel, "谢谢参与")
    give_points(member, 25)
    spin = wheel_spin(wheel=wheel, member=member).spin
    assert spin.cost_points == 10
    assert Member.objects.get(pk=member.pk).points == 15
    cost = PointsEntry.objects.get(reason=PointsReason.WHEEL_COST)
    assert cost.amount == -10 and cost.balance_after == 15


def test_the_cost_is_not_taken_when_the_day_is_used_up(member):
    wheel = make_wheel(cost_points=10, spins_per_day=1)
    give_points(member, 100)
    wheel_spin(wheel=wheel, member=member)
    points = Member.objects.get(pk=member.pk).points
    with pytest.raises(DailyLimitReached):
        wheel_spin(wheel=wheel, member=member)
    assert Member.objects.get(pk=member.pk).points == points
    assert PointsEntry.objects.filter(reason=PointsReason.WHEEL_COST).count() == 1


def test_too_few_points_refuse_the_spin_and_take_no_stock(member, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 1}, THANKS, cost_points=10)
    land_on(monkeypatch, wheel, "保温杯")
    give_points(member, 9)
    with pytest.raises(InsufficientPoints):
        wheel_spin(wheel=wheel, member=member)
    assert WheelPrize.objects.get(name="保温杯").given == 0
    assert not Spin.objects.exists() and not PrizeShipment.objects.exists()
    assert Member.objects.get(pk=member.pk).points == 9


def test_a_points_prize_cannot_pay_for_its_own_spin(member, monkeypatch):
    wheel = make_wheel({"name": "100 积分", "kind": PrizeKind.POINTS, "points": 100}, THANKS, cost_points=10)
    land_on(monkeypatch, wheel, "100 积分")
    with pytest.raises(InsufficientPoints):
        wheel_spin(wheel=wheel, member=member)
    assert Member.objects.get(pk=member.pk).points == 0


def test_the_cost_and_a_points_prize_move_the_points_once_with_a_ledger_row_each(member, monkeypatch):
    wheel = make_wheel({"name": "50 积分", "kind": PrizeKind.POINTS, "points": 50}, THANKS, cost_points=10)
    land_on(monkeypatch, wheel, "50 积分")
    give_points(member, 25)
    outcome = wheel_spin(wheel=wheel, member=member)
    assert outcome.points == Member.objects.get(pk=member.pk).points == 65
    cost, prize = PointsEntry.objects.filter(reason__in=[PointsReason.WHEEL_COST, PointsReason.WHEEL_PRIZE]).order_by("id")
    assert (cost.reason, cost.amount, cost.balance_after) == (PointsReason.WHEEL_COST, -10, 15)
    assert (prize.reason, prize.amount, prize.balance_after, prize.source_key) == (PointsReason.WHEEL_PRIZE, 50, 65, f"wheel:{outcome.spin.pk}")
    assert points_differences() == []


def test_a_points_prize_that_ran_out_leaves_only_the_cost(member, monkeypatch):
    wheel = make_wheel({"name": "50 积分", "kind": PrizeKind.POINTS, "points": 50, "stock": 0}, THANKS, cost_points=10)
    land_on(monkeypatch, wheel, "50 积分")
    give_points(member, 25)
    outcome = wheel_spin(wheel=wheel, member=member)
    assert outcome.spin.prize_kind == PrizeKind.NONE and outcome.points == 15
    assert list(PointsEntry.objects.filter(reason__startswith="wheel").values_list("amount", "balance_after")) == [(-10, 15)]
    assert points_differences() == []


def test_the_cost_and_a_red_packet_prize_move_points_and_balance_together(member, monkeypatch):
    wheel = make_wheel({"name": "5 元红包", "kind": PrizeKind.RED_PACKET, "balance_fen": 500, "stock": 1}, THANKS, cost_points=10)
    land_on(monkeypatch, wheel, "5 元红包")
    give_points(member, 25)
    outcome = wheel_spin(wheel=wheel, member=member)
    assert outcome.points == 15
    after = Member.objects.get(pk=member.pk)
    assert (after.points, after.balance_fen) == (15, 500)
    assert BalanceEntry.objects.get().balance_after_fen == 500
    assert points_differences() == [] and balance_differences() == []


def test_a_used_up_day_is_said_before_too_few_points(member):
    wheel = make_wheel(cost_points=10, spins_per_day=1)
    give_points(member, 10)
    wheel_spin(wheel=wheel, member=member)  # its last points
    with pytest.raises(DailyLimitReached):
        wheel_spin(wheel=wheel, member=member)


def test_a_used_up_campaign_quota_takes_back_the_days_count(member):
    wheel = make_wheel(spins_per_day=3, spins_per_campaign=1)
    wheel_spin(wheel=wheel, member=member)
    with pytest.raises(DailyLimitReached) as refused:
        wheel_spin(wheel=wheel, member=member)
    assert "活动" in refused.value.message
    assert SpinCount.objects.get(day__isnull=False).count == 1 and Spin.objects.count() == 1


def test_each_spin_costs_under_its_own_key(member):
    wheel = make_wheel(cost_points=1)
    give_points(member, 10)
    for _ in range(3):
        wheel_spin(wheel=wheel, member=member)
    keys = list(PointsEntry.objects.filter(reason=PointsReason.WHEEL_COST).values_list("source_key", flat=True))
    assert len(set(keys)) == 3


# --- Each prize kind, delivered once -----------------------------------------------------------


def test_a_points_prize_is_credited_once(member, monkeypatch):
    wheel = make_wheel({"name": "88 积分", "kind": PrizeKind.POINTS, "points": 88}, THANKS)
    land_on(monkeypatch, wheel, "88 积分")
    spin = wheel_spin(wheel=wheel, member=member).spin
    entry = PointsEntry.objects.get(reason=PointsReason.WHEEL_PRIZE)
    assert (entry.amount, entry.source_key) == (88, f"wheel:{spin.pk}")
    with pytest.raises(AlreadyMoved):
        wheel_service._prize_give(spin=spin, prize=spin.prize, member_id=member.pk)
    assert Member.objects.get(pk=member.pk).points == 88


def test_a_coupon_prize_issues_one_coupon(member, monkeypatch):
    template = coupon_template(total=100)
    wheel = make_wheel({"name": "满减券", "kind": PrizeKind.COUPON, "coupon_template": template}, THANKS)
    land_on(monkeypatch, wheel, "满减券")
    spin = wheel_spin(wheel=wheel, member=member).spin
    coupon = Coupon.objects.get()
    assert (coupon.member_id, coupon.template_id, coupon.source_key) == (member.pk, template.pk, f"wheel:{spin.pk}")
    wheel_service._prize_give(spin=spin, prize=spin.prize, member_id=member.pk)  # the same spin again gives nothing
    assert Coupon.objects.count() == 1
    assert CouponTemplate.objects.get(pk=template.pk).claimed == 1


def test_a_red_packet_prize_goes_to_the_store_balance_once(member, monkeypatch):
    wheel = make_wheel({"name": "5 元红包", "kind": PrizeKind.RED_PACKET, "balance_fen": 500}, THANKS)
    land_on(monkeypatch, wheel, "5 元红包")
    spin = wheel_spin(wheel=wheel, member=member).spin
    entry = BalanceEntry.objects.get()
    assert (entry.amount_fen, entry.source_key) == (500, f"wheel:{spin.pk}")
    with pytest.raises(AlreadyMoved):
        wheel_service._prize_give(spin=spin, prize=spin.prize, member_id=member.pk)
    assert Member.objects.get(pk=member.pk).balance_fen == 500


def test_a_physical_prize_waits_for_the_winners_address(member, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 3}, THANKS)
    land_on(monkeypatch, wheel, "保温杯")
    spin = wheel_spin(wheel=wheel, member=member).spin
    shipment = PrizeShipment.objects.get()
    assert shipment.spin == spin and shipment.status == ShipmentStatus.AWAITING_ADDRESS


def test_playing_is_recorded_once_as_participation(member):
    wheel = make_wheel()
    wheel_spin(wheel=wheel, member=member)
    wheel_spin(wheel=wheel, member=member)
    assert Participation.objects.filter(campaign=wheel.campaign, member=member).count() == 1


# --- The API ----------------------------------------------------------------------------


def test_get_a_wheel(member, member_api):
    wheel = make_wheel(cost_points=5, rules=["点一下转盘", "每天 3 次"])
    give_points(member, 12)
    body = member_api.get(f"/api/v1/wheels/{wheel.pk}").json()
    assert {"id", "title", "starts_at", "ends_at", "cost_points", "prizes", "spins_left_today"} <= set(body)
    assert body["id"] == wheel.pk and body["title"] == "幸运大转盘" and body["cost_points"] == 5
    assert body["starts_at"].endswith("+08:00")
    assert body["prizes"] == [
        {"id": p.pk, "name": p.name, "kind": p.kind, "image_url": ""} for p in wheel.prizes.all()
    ]
    assert body["spins_left_today"] == 3 and body["running"] is True and body["points"] == 12
    assert body["rules"] == ["点一下转盘", "每天 3 次"]


def test_spin_through_the_api(member, member_api, monkeypatch):
    wheel = make_wheel()
    land_on(monkeypatch, wheel, "10 积分")
    response = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 200
    body = response.json()
    prize = WheelPrize.objects.get(name="10 积分")
    assert body["prize"] == {"id": prize.pk, "name": "10 积分", "kind": "points"}
    assert body["spins_left_today"] == 2
    assert body["where"]["path"] == "/points/" and body["points"] == 10
    assert member_api.get(f"/api/v1/wheels/{wheel.pk}").json()["spins_left_today"] == 2


@pytest.mark.parametrize("kind, fields, path", [
    ("coupon", {}, "/coupons/"),
    ("red_packet", {"balance_fen": 300}, "/me/"),
])
def test_the_answer_says_where_to_find_the_prize(member_api, monkeypatch, kind, fields, path):
    if kind == "coupon":
        fields = {"coupon_template": coupon_template()}
    wheel = make_wheel({"name": "奖", "kind": kind, **fields}, THANKS)
    land_on(monkeypatch, wheel, "奖")
    body = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()
    assert body["prize"]["kind"] == kind and body["where"]["path"] == path and body["where"]["text"]


def test_a_plain_thanks_has_no_prize_id(member_api, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 0}, {"name": "5 积分", "kind": PrizeKind.POINTS, "points": 5})
    land_on(monkeypatch, wheel, "保温杯")
    body = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()
    assert body["prize"] == {"id": None, "name": "谢谢参与", "kind": "none"} and body["where"] is None


def test_no_spins_left_is_409_daily_limit_reached(member_api):
    wheel = make_wheel(spins_per_day=1)
    assert member_api.post(f"/api/v1/wheels/{wheel.pk}/spin").status_code == 200
    response = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 409
    assert response.json() == {"code": "daily_limit_reached", "detail": "今天的次数用完了，明天再来"}


def test_a_wheel_not_running_is_409_campaign_not_active(member_api):
    wheel = make_wheel(starts=-48, ends=-1)
    response = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 409 and response.json()["code"] == "campaign_not_active"
    body = member_api.get(f"/api/v1/wheels/{wheel.pk}").json()
    assert body["running"] is False


def test_too_few_points_is_409_insufficient_points(member_api):
    wheel = make_wheel(cost_points=10)
    response = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_points"
    assert member_api.get(f"/api/v1/wheels/{wheel.pk}").json()["spins_left_today"] == 3


def test_anonymous_callers_get_401(api):
    wheel = make_wheel()
    for response in (api.get(f"/api/v1/wheels/{wheel.pk}"), api.post(f"/api/v1/wheels/{wheel.pk}/spin")):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not Spin.objects.exists()


def test_an_unknown_wheel_is_404(member_api):
    for response in (member_api.get("/api/v1/wheels/999999"), member_api.post("/api/v1/wheels/999999/spin")):
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_spinning_is_rate_limited_by_the_spin_scope(member_api, settings):
    from campaigns.api.wheel import WheelSpinApi

    assert WheelSpinApi.throttle_scope == "spin"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "spin": {"member": "2/m", "ip": "100/m"}}
    wheel = make_wheel(spins_per_day=10)
    statuses = [member_api.post(f"/api/v1/wheels/{wheel.pk}/spin").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert Spin.objects.count() == 2


def test_my_spins_of_a_wheel(member, member_api, monkeypatch):
    wheel = make_wheel()
    land_on(monkeypatch, wheel, "10 积分")
    member_api.post(f"/api/v1/wheels/{wheel.pk}/spin")
    wheel_spin(wheel=wheel, member=MemberFactory())  # someone else's
    page = member_api.get(f"/api/v1/wheels/{wheel.pk}/spins").json()
    assert page["count"] == 1
    assert page["results"][0]["prize"]["name"] == "10 积分" and page["results"][0]["shipment"] is None


# --- A physical prize's address ------------------------------------------------------------


@pytest.fixture
def cup_won(member, member_api, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 3}, THANKS)
    land_on(monkeypatch, wheel, "保温杯")
    body = member_api.post(f"/api/v1/wheels/{wheel.pk}/spin").json()
    assert body["shipment"]["status"] == "awaiting_address"
    return body["spin_id"]


def test_the_winner_chooses_an_address_from_their_book(member, member_api, cup_won):
    address = AddressFactory(member=member, name="李四", phone="13912345678")
    response = member_api.post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": address.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "to_ship" and body["receiver_name"] == "李四" and body["receiver_phone"] == "13912345678"
    assert body["address"] == address.full_text
    shipment = PrizeShipment.objects.get()
    assert (shipment.status, shipment.address) == (ShipmentStatus.TO_SHIP, address.full_text)


def test_the_address_may_change_until_the_parcel_leaves(member, member_api, cup_won):
    first, second = AddressFactory(member=member), AddressFactory(member=member, detail="另一个地址 2 号")
    assert member_api.post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": first.pk}, format="json").status_code == 200
    assert member_api.post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": second.pk}, format="json").json()["address"].endswith("另一个地址 2 号")
    prize_shipment_ship(shipment=PrizeShipment.objects.get(), carrier="SF", tracking_number="SF1234567890")
    response = member_api.post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": first.pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_status"
    assert PrizeShipment.objects.get().address.endswith("另一个地址 2 号")


def test_someone_elses_prize_is_404(api_for, cup_won):
    stranger = MemberFactory()
    address = AddressFactory(member=stranger)
    response = api_for(stranger).post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": address.pk}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert PrizeShipment.objects.get().status == ShipmentStatus.AWAITING_ADDRESS


def test_someone_elses_address_cannot_be_used(member_api, cup_won):
    address = AddressFactory(member=MemberFactory())
    response = member_api.post(f"/api/v1/wheels/spins/{cup_won}/address", {"address_id": address.pk}, format="json")
    assert response.status_code == 400 and "address_id" in response.json()["fields"]


def test_a_spin_without_a_physical_prize_has_no_address_to_give(member, member_api):
    wheel = make_wheel()
    spin = wheel_spin(wheel=wheel, member=member).spin
    address = AddressFactory(member=member)
    assert member_api.post(f"/api/v1/wheels/spins/{spin.pk}/address", {"address_id": address.pk}, format="json").status_code == 404


def test_shipping_needs_an_address_first(cup_won):
    from config.errors import InvalidStatus

    with pytest.raises(InvalidStatus):
        prize_shipment_ship(shipment=PrizeShipment.objects.get(), carrier="SF", tracking_number="SF1234567890")


# --- The page ---------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_the_page_shows_the_wheel_rules_and_spins_left(client, member):
    wheel = make_wheel(spins_per_day=3, cost_points=2)
    client.force_login(member)
    response = client.get(f"/wheels/{wheel.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="wheel-data"' in page and "js/wheel.js" in page
    assert "今天还可以抽 <b data-left>3</b> 次" in page
    assert "每人每天 3 次" in page and "每次消耗 2 积分" in page  # the default rules, three steps
    assert not INLINE_SCRIPT.search(page) and not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.I)


def test_the_page_offers_the_address_for_a_physical_prize_won(client, member, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 3}, THANKS)
    land_on(monkeypatch, wheel, "保温杯")
    spin = wheel_spin(wheel=wheel, member=member).spin
    AddressFactory(member=member, name="王五")
    client.force_login(member)
    page = client.get(f"/wheels/{wheel.pk}/").content.decode()
    assert f'data-fill-address="{spin.pk}"' in page and "待填写收货地址" in page and "王五" in page


def test_the_page_needs_a_login(client):
    wheel = make_wheel()
    response = client.get(f"/wheels/{wheel.pk}/")
    assert response.status_code == 302 and "/wechat/login/" in response["Location"]


def test_an_unknown_wheel_page_is_404(client, member):
    client.force_login(member)
    assert client.get("/wheels/999999/").status_code == 404


def test_a_finished_wheel_says_so(client, member):
    wheel = make_wheel(starts=-48, ends=-1)
    client.force_login(member)
    page = client.get(f"/wheels/{wheel.pk}/").content.decode()
    assert "活动已结束" in page and "disabled" in page


def test_the_hub_lists_a_running_wheel(member_api):
    wheel = make_wheel()
    entries = [c for c in member_api.get("/api/v1/campaigns").json() if c["kind"] == "wheel"]
    assert entries and entries[0]["id"] == wheel.pk and entries[0]["path"] == f"/wheels/{wheel.pk}/"


# --- The back office ----------------------------------------------------------------------


@pytest.fixture
def boss(client):
    operator = MemberFactory(is_staff=True, is_superuser=True, openid=None)
    client.force_login(operator)
    return operator


def wheel_form(campaign, prizes, **fields):
    data = {
        "campaign": campaign.pk, "cost_points": 0, "spins_per_day": 3, "spins_per_campaign": "",
        "prizes-TOTAL_FORMS": len(prizes), "prizes-INITIAL_FORMS": 0, "prizes-MIN_NUM_FORMS": 0, "prizes-MAX_NUM_FORMS": 1000,
        **fields,
    }
    for index, prize in enumerate(prizes):
        row = {"position": index, "weight": 1, "stock": "", "points": 0, "coupon_template": "", "balance_fen": "", **prize}
        data.update({f"prizes-{index}-{key}": value for key, value in row.items()})
    return data


def wheel_campaign():
    now = timezone.now()
    return Campaign.objects.create(title="双十一大转盘", play=Play.WHEEL, starts_at=now, ends_at=now + timedelta(days=3))


def test_an_operator_sets_up_a_wheel_with_its_prizes(client, boss):
    campaign = wheel_campaign()
    template = coupon_template()
    prizes = [
        {"name": "保温杯", "kind": "physical", "weight": 1, "stock": 5},
        {"name": "满减券", "kind": "coupon", "weight": 20, "coupon_template": template.pk},
        {"name": "5 元红包", "kind": "red_packet", "weight": 9, "balance_fen": "5.00"},
        {"name": "谢谢参与", "kind": "none", "weight": 70},
    ]
    response = client.post("/admin/campaigns/wheel/add/", wheel_form(campaign, prizes))
    assert response.status_code == 302, response.content.decode()[:2000]
    wheel = Wheel.objects.get(campaign=campaign)
    assert [(p.name, p.weight, p.stock) for p in wheel.prizes.all()] == [("保温杯", 1, 5), ("满减券", 20, None), ("5 元红包", 9, None), ("谢谢参与", 70, None)]
    assert WheelPrize.objects.get(name="5 元红包").balance_fen == 500
    assert client.get(f"/admin/campaigns/wheel/{wheel.pk}/change/").status_code == 200
    assert client.get("/admin/campaigns/wheel/").status_code == 200


@pytest.mark.parametrize("prizes, message", [
    ([{"name": "谢谢参与", "kind": "none"}], "2–12 个奖品格"),
    ([{"name": f"奖{i}", "kind": "points", "points": 1} for i in range(13)], "2–12 个奖品格"),
    ([{"name": "谢谢参与", "kind": "none"}, {"name": "再来", "kind": "none"}], "最多一个"),
    ([{"name": "积分", "kind": "points", "points": 0}, {"name": "谢谢参与", "kind": "none"}], "大于 0 的积分"),
    ([{"name": "券", "kind": "coupon"}, {"name": "谢谢参与", "kind": "none"}], "选择一个优惠券模板"),
    ([{"name": "红包", "kind": "red_packet"}, {"name": "谢谢参与", "kind": "none"}], "大于 0 的金额"),
    ([{"name": "杯", "kind": "physical", "weight": 0}, {"name": "谢谢参与", "kind": "none"}], "权重"),
    ([{"name": "杯", "kind": "physical", "stock": -1}, {"name": "谢谢参与", "kind": "none"}], "0"),
])
def test_the_wheel_form_refuses_what_cannot_be_spun(client, boss, prizes, message):
    response = client.post("/admin/campaigns/wheel/add/", wheel_form(wheel_campaign(), prizes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Wheel.objects.exists()


def test_stock_cannot_go_below_what_was_given(client, boss):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 5}, THANKS)
    cup = WheelPrize.objects.get(name="保温杯")
    WheelPrize.objects.filter(pk=cup.pk).update(given=3)
    data = wheel_form(wheel.campaign, [], **{"prizes-TOTAL_FORMS": 2, "prizes-INITIAL_FORMS": 2})
    for index, prize in enumerate(wheel.prizes.all()):
        row = {"id": prize.pk, "wheel": wheel.pk, "position": index, "name": prize.name, "kind": prize.kind, "weight": prize.weight,
               "stock": 2 if prize.pk == cup.pk else "", "points": 0, "coupon_template": "", "balance_fen": ""}
        data.update({f"prizes-{index}-{key}": value for key, value in row.items()})
    response = client.post(f"/admin/campaigns/wheel/{wheel.pk}/change/", data)
    assert response.status_code == 200 and "已发出 3 份" in response.content.decode()


def test_the_winners_export_lists_only_winners(client, boss, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 1}, THANKS)
    land_on(monkeypatch, wheel, "保温杯")
    winner, loser = MemberFactory(nickname="幸运儿"), MemberFactory(nickname="路人")
    wheel_spin(wheel=wheel, member=winner)
    wheel_spin(wheel=wheel, member=loser)  # the cup ran out
    spins = list(Spin.objects.values_list("pk", flat=True))
    response = client.post("/admin/campaigns/spin/", {"action": "export_winners_csv", "_selected_action": spins})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and "幸运儿" in rows[1] and "保温杯" in rows[1]
    assert client.get("/admin/campaigns/spin/?won=yes").status_code == 200
    assert client.get("/admin/campaigns/spin/").status_code == 200


def test_an_operator_ships_a_prize_with_carrier_and_tracking_number(client, boss, monkeypatch):
    wheel = make_wheel({"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 5}, THANKS, spins_per_day=5)
    land_on(monkeypatch, wheel, "保温杯")
    member = MemberFactory()
    wheel_spin(wheel=wheel, member=member)
    wheel_spin(wheel=wheel, member=member)
    waiting, addressed = PrizeShipment.objects.order_by("id")
    wheel_service.prize_shipment_address(shipment=addressed, address=AddressFactory(member=member))
    ids = [waiting.pk, addressed.pk]

    page = client.post("/admin/campaigns/prizeshipment/", {"action": "ship", "_selected_action": ids})
    assert page.status_code == 200 and "为以下 1 个待发货的奖品" in page.content.decode()
    shipped = client.post("/admin/campaigns/prizeshipment/", {
        "action": "ship", "apply": "1", "_selected_action": ids,
        f"s{addressed.pk}-carrier": "SF", f"s{addressed.pk}-tracking_number": "SF1234567890",
    })
    assert shipped.status_code == 302
    addressed.refresh_from_db()
    assert (addressed.status, addressed.carrier, addressed.tracking_number) == (ShipmentStatus.SHIPPED, "SF", "SF1234567890")
    assert addressed.shipped_at is not None
    assert PrizeShipment.objects.get(pk=waiting.pk).status == ShipmentStatus.AWAITING_ADDRESS
    assert client.get("/admin/campaigns/prizeshipment/?status__exact=to_ship").status_code == 200
    assert client.get(f"/admin/campaigns/prizeshipment/{addressed.pk}/change/").status_code == 200
