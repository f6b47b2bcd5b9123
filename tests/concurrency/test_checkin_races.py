"""Check-ins and make-ups at the same instant, on real connections (PostgreSQL): once a day
means one row and one reward however many taps arrive, the monthly make-up limit holds
against two make-ups at once, and streaks stay right when a make-up races today's check-in."""

from collections import Counter
from datetime import date, timedelta

import pytest

from campaigns.errors import AlreadyCheckedIn, MakeupLimitReached
from campaigns.models import Checkin
from campaigns.services.checkin import checkin_makeup, checkin_today
from members.models import Member, PointsEntry
from members.selectors import points_differences
from members.services.points import points_move
from tests.campaigns.test_checkin import at, checkin_campaign
from tests.concurrency.racing import logged_in, race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcome(work):
    """What a service call ended in: "ok" or the domain error's code."""

    def run():
        try:
            work()
            return "ok"
        except (AlreadyCheckedIn, MakeupLimitReached) as exc:
            return exc.code

    return run


def test_twenty_taps_at_once_check_in_once_and_reward_once():
    checkin_campaign(daily=10, milestones={2: 50})
    member = MemberFactory()
    clients = [logged_in(member) for _ in range(20)]

    results, errors = race([lambda c=c: c.post("/api/v1/checkin") for c in clients])

    assert not errors, errors
    assert Counter(r.status_code for r in results) == {201: 1, 409: 19}
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_checked_in"}
    assert Checkin.objects.filter(member=member).count() == 1
    assert list(PointsEntry.objects.filter(member=member).values_list("amount", flat=True)) == [10]
    assert Member.objects.get(pk=member.pk).points == 10
    assert points_differences() == []


def test_two_make_ups_at_once_at_the_monthly_limit_give_one():
    checkin_campaign(daily=10, makeup_cost=30, per_month=2)
    now = at(date(2026, 6, 10))
    members = [MemberFactory() for _ in range(5)]
    for member in members:
        points_move(member_id=member.pk, amount=200, reason="adjustment", source_key=f"test:{member.pk}")
        checkin_makeup(member=member, day=date(2026, 6, 2), now=now)  # one of two used

    results, errors = race([
        outcome(lambda m=m, d=d: checkin_makeup(member=m, day=d, now=now))
        for m in members for d in (date(2026, 6, 4), date(2026, 6, 6))
    ])

    assert not errors, errors
    assert Counter(results) == {"ok": 5, "makeup_limit_reached": 5}
    for member in members:
        assert Checkin.objects.filter(member=member, is_makeup=True).count() == 2
        assert Member.objects.get(pk=member.pk).points == 200 - 2 * 30 + 2 * 10
    assert points_differences() == []


def test_a_make_up_racing_todays_check_in_leaves_every_streak_right():
    checkin_campaign(makeup_cost=5)
    today = date(2026, 6, 10)
    members = [MemberFactory() for _ in range(8)]
    for member in members:
        points_move(member_id=member.pk, amount=100, reason="adjustment", source_key=f"test:{member.pk}")
        for day in (today - timedelta(days=3), today - timedelta(days=2)):
            checkin_today(member=member, now=at(day))  # the day before yesterday and before: yesterday missed

    work = []
    for member in members:
        work.append(lambda m=member: checkin_makeup(member=m, day=today - timedelta(days=1), now=at(today)))
        work.append(lambda m=member: checkin_today(member=m, now=at(today)))
    results, errors = race(work)

    assert not errors, errors
    for member in members:
        assert list(Checkin.objects.filter(member=member).order_by("day").values_list("streak", flat=True)) == [1, 2, 3, 4]
