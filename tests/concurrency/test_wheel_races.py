"""The lucky wheel under races, on PostgreSQL: real threads, real connections, real row locks.
Prize stock never goes below zero and a quota is never overrun, however many spin at once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Play, PrizeKind, PrizeShipment, Spin, SpinCount, Wheel, WheelPrize
from members.models import Member, PointsEntry, PointsReason
from members.selectors import balance_differences, points_differences
from members.services.points import points_move
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def make_wheel(*prizes, **rules):
    now = timezone.now()
    campaign = Campaign.objects.create(title="幸运大转盘", play=Play.WHEEL, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    wheel = Wheel.objects.create(campaign=campaign, **rules)
    for position, prize in enumerate(prizes):
        WheelPrize.objects.create(wheel=wheel, position=position, **prize)
    return wheel


def spin(client, wheel):
    return lambda: client.post(f"/api/v1/wheels/{wheel.pk}/spin")


def test_a_hundred_members_spin_for_five_prizes():
    wheel = make_wheel(
        {"name": "100 积分", "kind": PrizeKind.POINTS, "points": 100, "stock": 5, "weight": 1_000_000},
        {"name": "谢谢参与", "kind": PrizeKind.NONE, "weight": 1},
        spins_per_day=1,
    )
    clients = [logged_in(MemberFactory()) for _ in range(100)]

    results, errors = race([spin(client, wheel) for client in clients])

    assert not errors
    assert Counter(response.status_code for response in results) == {200: 100}
    won = Counter(response.json()["prize"]["kind"] for response in results)
    assert won == {"points": 5, "none": 95}
    prize = WheelPrize.objects.get(name="100 积分")
    assert prize.given == prize.stock == 5
    assert Spin.objects.filter(prize_kind=PrizeKind.POINTS).count() == 5
    assert Spin.objects.filter(prize_kind=PrizeKind.NONE, prize__name="谢谢参与").count() == 95
    assert PointsEntry.objects.filter(reason=PointsReason.WHEEL_PRIZE).count() == 5
    assert sum(Member.objects.values_list("points", flat=True)) == 500


def test_fifty_members_race_for_the_last_physical_prize_without_a_thanks_slot():
    wheel = make_wheel(
        {"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 1, "weight": 1_000_000},
        {"name": "1 积分", "kind": PrizeKind.POINTS, "points": 1, "weight": 1},
        spins_per_day=1,
    )
    clients = [logged_in(MemberFactory()) for _ in range(50)]

    results, errors = race([spin(client, wheel) for client in clients])

    assert not errors and {response.status_code for response in results} == {200}
    prizes = Counter(response.json()["prize"]["name"] for response in results)
    assert prizes["保温杯"] == 1 and prizes["谢谢参与"] + prizes["1 积分"] == 49
    assert WheelPrize.objects.get(name="保温杯").given == 1
    assert PrizeShipment.objects.count() == 1


def test_one_member_spinning_twenty_times_at_once_gets_three_spins_and_pays_for_three():
    wheel = make_wheel(
        {"name": "5 积分", "kind": PrizeKind.POINTS, "points": 5},
        {"name": "谢谢参与", "kind": PrizeKind.NONE, "weight": 3},
        spins_per_day=3, cost_points=10,
    )
    member = MemberFactory()
    points_move(member_id=member.pk, amount=100, reason=PointsReason.ADJUSTMENT, source_key="test:grant")
    client = logged_in(member)

    results, errors = race([spin(client, wheel) for _ in range(20)])

    assert not errors
    assert Counter(response.status_code for response in results) == {200: 3, 409: 17}
    assert {response.json()["code"] for response in results if response.status_code == 409} == {"daily_limit_reached"}
    assert Spin.objects.filter(member=member).count() == 3
    assert SpinCount.objects.get(member=member, day=timezone.localdate()).count == 3
    assert PointsEntry.objects.filter(member=member, reason=PointsReason.WHEEL_COST).count() == 3
    prizes_won = 5 * Spin.objects.filter(member=member, prize_kind=PrizeKind.POINTS).count()
    assert Member.objects.get(pk=member.pk).points == 100 - 3 * 10 + prizes_won


def test_the_campaign_quota_holds_when_one_member_spins_at_once():
    wheel = make_wheel({"name": "谢谢参与", "kind": PrizeKind.NONE}, {"name": "1 积分", "kind": PrizeKind.POINTS, "points": 1},
                       spins_per_day=10, spins_per_campaign=2)
    member = MemberFactory()
    client = logged_in(member)

    results, errors = race([spin(client, wheel) for _ in range(10)])

    assert not errors
    assert Counter(response.status_code for response in results) == {200: 2, 409: 8}
    assert Spin.objects.filter(member=member).count() == 2
    assert SpinCount.objects.get(member=member, day__isnull=True).count == 2


def test_members_paying_for_spins_at_once_keep_stock_points_and_balance_true():
    wheel = make_wheel(
        {"name": "50 积分", "kind": PrizeKind.POINTS, "points": 50, "stock": 7, "weight": 3},
        {"name": "1 元红包", "kind": PrizeKind.RED_PACKET, "balance_fen": 100, "stock": 5, "weight": 3},
        {"name": "保温杯", "kind": PrizeKind.PHYSICAL, "stock": 2, "weight": 2},
        {"name": "谢谢参与", "kind": PrizeKind.NONE, "weight": 1},
        spins_per_day=3, cost_points=10,
    )
    members = [MemberFactory() for _ in range(30)]
    for member in members:
        points_move(member_id=member.pk, amount=25, reason=PointsReason.ADJUSTMENT, source_key=f"test:{member.pk}")
    clients = [logged_in(member) for member in members for _ in range(3)]  # a third spin needs a prize of points first

    results, errors = race([spin(client, wheel) for client in clients])

    assert not errors
    spun = [response for response in results if response.status_code == 200]
    assert len(spun) == Spin.objects.count() >= 60
    assert {response.json()["code"] for response in results if response.status_code != 200} <= {"insufficient_points"}
    for prize in WheelPrize.objects.filter(stock__isnull=False):
        assert prize.given <= prize.stock and Spin.objects.filter(prize=prize).count() == prize.given
    for member in members:
        spins = Spin.objects.filter(member=member)
        won = 50 * spins.filter(prize_kind=PrizeKind.POINTS).count()
        assert PointsEntry.objects.filter(member=member, reason=PointsReason.WHEEL_COST).count() == spins.count()
        assert Member.objects.get(pk=member.pk).points == 25 - 10 * spins.count() + won >= 0
    assert PrizeShipment.objects.count() == WheelPrize.objects.get(name="保温杯").given
    assert points_differences() == [] and balance_differences() == []
