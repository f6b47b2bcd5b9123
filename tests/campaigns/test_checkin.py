"""Daily check-in: one a day (Asia/Shanghai), streaks and their cycles, milestones added or
replacing, rewards once, make-up days (cost, monthly limit, the streak joined), the API's
shapes and codes, the page, and the back office."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from campaigns.errors import AlreadyCheckedIn, CampaignNotActive, MakeupLimitReached, MakeupUnavailable
from campaigns.models import Campaign, Checkin, CheckinMilestone, CheckinSetup, Participation, Reward
from campaigns.services.checkin import checkin_board, checkin_makeup, checkin_today
from mall.models import Coupon, CouponTemplate
from members.errors import InsufficientPoints
from members.models import Member, PointsEntry
from members.selectors import points_differences
from members.services.points import points_move
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


# --- Arranging ------------------------------------------------------------------------


def at(day: date, hour: int = 9):
    """A moment on `day`, Asia/Shanghai."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def points_reward(points: int) -> Reward:
    return Reward.objects.create(kind="points", points=points)


def coupon_reward(*, total=None, title="满 50 减 5") -> Reward:
    template = CouponTemplate.objects.create(title=title, kind="amount", amount_fen=500, threshold_fen=5000, total=total, is_public=False)
    return Reward.objects.create(kind="coupon", coupon_template=template)


def checkin_campaign(*, daily=10, cycle="none", mode="add", makeup_cost=0, per_month=2, milestones=None,
                     starts=None, ends=None, rules=None) -> CheckinSetup:
    """A check-in campaign running from `starts` to `ends` (2020 to 2100 unless told), its
    daily reward `daily` points, milestones {streak days: reward or points}."""
    campaign = Campaign.objects.create(
        title="每日签到", play="checkin", starts_at=starts or at(date(2020, 1, 1), 0), ends_at=ends or at(date(2100, 1, 1), 0),
        rules=rules if rules is not None else ["每天签到领积分", "连签 7 天送优惠券", "漏签可用积分补签"],
    )
    setup = CheckinSetup.objects.create(campaign=campaign, daily_reward=points_reward(daily), cycle=cycle, milestone_mode=mode,
                                        makeup_cost_points=makeup_cost, makeup_per_month=per_month)
    for days, reward in (milestones or {}).items():
        CheckinMilestone.objects.create(setup=setup, streak_days=days, reward=reward if isinstance(reward, Reward) else points_reward(reward))
    return setup


def check_in_on(member, *days: date):
    return [checkin_today(member=member, now=at(day)) for day in days]


def run(first: date, length: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(length)]


def points_of(member) -> int:
    return Member.objects.get(pk=member.pk).points


def streaks(member) -> dict[date, int]:
    return dict(Checkin.objects.filter(member=member).order_by("day").values_list("day", "streak"))


@pytest.fixture
def clock(monkeypatch):
    """Stop the clock at a moment (Asia/Shanghai) for the API and the pages."""

    def stop_at(day: date, hour: int = 9):
        moment = at(day, hour)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return stop_at


# --- One a day, the streak ---------------------------------------------------------------


def test_the_first_check_in_starts_a_streak_and_gives_the_days_reward(member):
    checkin_campaign(daily=10)
    [result] = check_in_on(member, date(2026, 6, 10))
    assert (result.checkin.day, result.checkin.streak, result.rewards) == (date(2026, 6, 10), 1, [{"kind": "points", "points": 10}])
    entry = PointsEntry.objects.get(member=member)
    assert (entry.amount, entry.reason, entry.source_key) == (10, "checkin", f"checkin:{member.pk}:2026-06-10")
    assert points_of(member) == 10


def test_days_in_a_row_count_up_the_streak(member):
    checkin_campaign()
    results = check_in_on(member, *run(date(2026, 6, 10), 4))
    assert [r.checkin.streak for r in results] == [1, 2, 3, 4]
    assert points_of(member) == 40


def test_a_missed_day_starts_the_streak_over(member):
    checkin_campaign()
    check_in_on(member, date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 13), date(2026, 6, 14))
    assert list(streaks(member).values()) == [1, 2, 1, 2]


def test_the_weekly_cycle_starts_over_on_monday(member):
    checkin_campaign(cycle="week")
    check_in_on(member, *run(date(2026, 6, 5), 5))  # Friday to Tuesday
    assert streaks(member) == {date(2026, 6, 5): 1, date(2026, 6, 6): 2, date(2026, 6, 7): 3, date(2026, 6, 8): 1, date(2026, 6, 9): 2}


def test_the_monthly_cycle_starts_over_on_the_first(member):
    checkin_campaign(cycle="month")
    check_in_on(member, *run(date(2026, 6, 29), 4))
    assert list(streaks(member).values()) == [1, 2, 1, 2]


def test_without_a_cycle_the_streak_runs_over_mondays_and_months(member):
    checkin_campaign(cycle="none")
    check_in_on(member, *run(date(2026, 6, 28), 5))  # Sunday 28 June to Thursday 2 July
    assert list(streaks(member).values()) == [1, 2, 3, 4, 5]


def test_the_day_is_the_day_in_shanghai(member):
    checkin_campaign()
    utc_evening = datetime(2026, 6, 9, 16, 30, tzinfo=timezone.get_fixed_timezone(0))  # 00:30 on 10 June in Shanghai
    assert checkin_today(member=member, now=utc_evening).checkin.day == date(2026, 6, 10)


def test_a_second_check_in_the_same_day_is_refused_and_rewards_once(member):
    checkin_campaign(daily=10)
    checkin_today(member=member, now=at(date(2026, 6, 10), 8))
    with pytest.raises(AlreadyCheckedIn):
        checkin_today(member=member, now=at(date(2026, 6, 10), 23))
    assert Checkin.objects.count() == 1 and PointsEntry.objects.count() == 1 and points_of(member) == 10


def test_a_streak_belongs_to_its_campaign(member):
    first = checkin_campaign(ends=at(date(2026, 6, 11), 0))
    check_in_on(member, date(2026, 6, 9), date(2026, 6, 10))
    second = checkin_campaign(starts=at(date(2026, 6, 11), 0))
    [result] = check_in_on(member, date(2026, 6, 11))
    assert result.checkin.campaign == second.campaign and result.checkin.streak == 1
    assert Checkin.objects.filter(campaign=first.campaign).count() == 2


def test_checking_in_records_participation_once(member):
    setup = checkin_campaign()
    check_in_on(member, *run(date(2026, 6, 10), 3))
    assert Participation.objects.filter(campaign=setup.campaign, member=member).count() == 1


def test_no_running_campaign_is_campaign_not_active(member):
    checkin_campaign(starts=at(date(2026, 7, 1)), ends=at(date(2026, 8, 1)))
    with pytest.raises(CampaignNotActive):
        checkin_today(member=member, now=at(date(2026, 6, 10)))
    Campaign.objects.create(title="无规则", play="checkin", starts_at=at(date(2026, 6, 1)), ends_at=at(date(2026, 6, 30)))
    with pytest.raises(CampaignNotActive):  # running, but nobody set its rules
        checkin_today(member=member, now=at(date(2026, 6, 10)))
    for campaign in Campaign.objects.all():  # switched off as the admin does, one save each
        campaign.is_active = False
        campaign.save()
    with pytest.raises(CampaignNotActive):
        checkin_today(member=member, now=at(date(2026, 7, 10)))
    assert not Checkin.objects.exists()


def test_a_day_whose_reward_was_booked_before_is_checked_in_without_it_again(member):
    checkin_campaign(daily=10)
    points_move(member_id=member.pk, amount=10, reason="checkin", source_key=f"checkin:{member.pk}:2026-06-10")
    [result] = check_in_on(member, date(2026, 6, 10))
    assert result.checkin.streak == 1 and result.rewards == []
    assert points_of(member) == 10 and PointsEntry.objects.count() == 1
    assert points_differences() == []


def test_a_balance_reward_for_the_day_goes_to_the_store_balance(member):
    setup = checkin_campaign()
    setup.daily_reward = Reward.objects.create(kind="balance", balance_fen=88)
    setup.save()
    [result] = check_in_on(member, date(2026, 6, 10))
    assert result.rewards == [{"kind": "balance", "balance_fen": 88}]
    assert Member.objects.get(pk=member.pk).balance_fen == 88


# --- Milestones ----------------------------------------------------------------------


def test_a_milestone_adds_to_the_days_reward(member):
    checkin_campaign(daily=10, mode="add", milestones={3: 50})
    results = check_in_on(member, *run(date(2026, 6, 10), 4))
    assert results[2].rewards == [{"kind": "points", "points": 10}, {"kind": "points", "points": 50}]
    assert results[3].rewards == [{"kind": "points", "points": 10}]
    assert points_of(member) == 90
    assert PointsEntry.objects.filter(source_key=f"checkin:{member.pk}:2026-06-12:streak3", amount=50).exists()


def test_a_milestone_replaces_the_days_reward(member):
    checkin_campaign(daily=10, mode="replace", milestones={3: 50})
    results = check_in_on(member, *run(date(2026, 6, 10), 3))
    assert results[2].rewards == [{"kind": "points", "points": 50}]
    assert points_of(member) == 70


def test_a_coupon_milestone_gives_a_coupon(member):
    reward = coupon_reward(title="连签好礼")
    checkin_campaign(milestones={2: reward})
    results = check_in_on(member, *run(date(2026, 6, 10), 2))
    coupon = Coupon.objects.get(member=member)
    assert results[1].rewards[1] == {"kind": "coupon", "coupon": {"id": coupon.pk, "title": "连签好礼"}}
    assert coupon.source_key == f"checkin:{member.pk}:2026-06-11:streak2"


def test_a_replacing_milestone_whose_coupons_ran_out_leaves_the_days_reward(member):
    checkin_campaign(daily=10, mode="replace", milestones={2: coupon_reward(total=0)})
    results = check_in_on(member, *run(date(2026, 6, 10), 2))
    assert results[1].rewards == [{"kind": "points", "points": 10}]
    assert not Coupon.objects.exists()


def test_a_milestone_pays_again_only_in_a_new_streak(member):
    checkin_campaign(cycle="week", milestones={2: 50})
    check_in_on(member, *run(date(2026, 6, 6), 4))  # Sat, Sun | Mon, Tue
    assert PointsEntry.objects.filter(amount=50).count() == 2  # Sunday's streak of 2, Tuesday's


# --- Make-up days ---------------------------------------------------------------------


def test_a_make_up_takes_its_points_and_gives_the_days_reward(member):
    checkin_campaign(daily=10, makeup_cost=30)
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    result = checkin_makeup(member=member, day=date(2026, 6, 8), now=at(date(2026, 6, 10)))
    assert result.checkin.is_makeup and result.rewards == [{"kind": "points", "points": 10}]
    assert points_of(member) == 100 - 30 + 10
    cost = PointsEntry.objects.get(reason="makeup")
    assert (cost.amount, cost.source_key) == (-30, f"checkin:{member.pk}:2026-06-08:makeup")
    assert points_differences() == []


def test_a_make_up_joins_two_runs_and_today_carries_on(member):
    checkin_campaign(makeup_cost=5)
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    check_in_on(member, date(2026, 6, 5), date(2026, 6, 6), date(2026, 6, 8), date(2026, 6, 9))  # the 7th missed
    checkin_makeup(member=member, day=date(2026, 6, 7), now=at(date(2026, 6, 10)))
    assert list(streaks(member).values()) == [1, 2, 3, 4, 5]
    assert checkin_board(member=member, now=at(date(2026, 6, 10))).streak == 5
    [today] = check_in_on(member, date(2026, 6, 10))
    assert today.checkin.streak == 6


def test_the_renumbering_stops_at_the_next_gap_or_cycle_start(member):
    checkin_campaign(cycle="week", makeup_cost=5)
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    # Thu 4, (Fri 5 missed), Sat 6, Sun 7, Mon 8 (a new week), Tue 9
    check_in_on(member, date(2026, 6, 4), date(2026, 6, 6), date(2026, 6, 7), date(2026, 6, 8), date(2026, 6, 9))
    checkin_makeup(member=member, day=date(2026, 6, 5), now=at(date(2026, 6, 12)))
    assert list(streaks(member).values()) == [1, 2, 3, 4, 1, 2]


def test_a_make_up_pays_the_milestone_its_own_day_reaches(member):
    checkin_campaign(makeup_cost=5, milestones={3: 50})
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    check_in_on(member, date(2026, 6, 8), date(2026, 6, 9))
    result = checkin_makeup(member=member, day=date(2026, 6, 10), now=at(date(2026, 6, 12)))
    assert result.checkin.streak == 3 and result.rewards == [{"kind": "points", "points": 10}, {"kind": "points", "points": 50}]
    assert PointsEntry.objects.filter(source_key=f"checkin:{member.pk}:2026-06-10:streak3").exists()


def test_a_make_up_pays_a_milestone_the_joined_run_reaches_on_a_later_day(member):
    checkin_campaign(makeup_cost=5, milestones={3: 50})
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    check_in_on(member, date(2026, 6, 4), date(2026, 6, 6), date(2026, 6, 7))  # the 5th missed: runs of 1 and 2
    result = checkin_makeup(member=member, day=date(2026, 6, 5), now=at(date(2026, 6, 10)))
    assert result.rewards == [{"kind": "points", "points": 10}, {"kind": "points", "points": 50}]
    assert PointsEntry.objects.filter(source_key=f"checkin:{member.pk}:2026-06-06:streak3", amount=50).exists()


def test_a_make_up_never_pays_a_run_the_same_milestone_twice(member):
    checkin_campaign(makeup_cost=5, milestones={3: 50, 7: 70})
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    check_in_on(member, *run(date(2026, 6, 1), 3), *run(date(2026, 6, 5), 3))  # each run of 3 was paid its 50
    result = checkin_makeup(member=member, day=date(2026, 6, 4), now=at(date(2026, 6, 10)))
    assert list(streaks(member).values()) == [1, 2, 3, 4, 5, 6, 7]
    assert result.rewards == [{"kind": "points", "points": 10}, {"kind": "points", "points": 70}]
    assert PointsEntry.objects.filter(amount=50).count() == 2
    assert PointsEntry.objects.filter(source_key=f"checkin:{member.pk}:2026-06-07:streak7").exists()


def test_a_make_up_without_enough_points_changes_nothing(member):
    checkin_campaign(makeup_cost=30)
    points_move(member_id=member.pk, amount=20, reason="adjustment", source_key="test:grant")
    with pytest.raises(InsufficientPoints):
        checkin_makeup(member=member, day=date(2026, 6, 8), now=at(date(2026, 6, 10)))
    assert not Checkin.objects.exists() and points_of(member) == 20 and PointsEntry.objects.count() == 1


def test_make_ups_stop_at_the_monthly_limit(member):
    checkin_campaign(makeup_cost=5, per_month=2)
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    now = at(date(2026, 6, 10))
    checkin_makeup(member=member, day=date(2026, 6, 2), now=now)
    checkin_makeup(member=member, day=date(2026, 6, 4), now=now)
    with pytest.raises(MakeupLimitReached):
        checkin_makeup(member=member, day=date(2026, 6, 6), now=now)
    assert Checkin.objects.filter(is_makeup=True).count() == 2 and points_of(member) == 100 - 10 + 20
    # A new month, a new allowance (and only its own days).
    checkin_makeup(member=member, day=date(2026, 7, 1), now=at(date(2026, 7, 3)))


@pytest.mark.parametrize("day, reason", [
    (date(2026, 6, 10), "today"),
    (date(2026, 6, 11), "the future"),
    (date(2026, 5, 31), "last month"),
    (date(2026, 6, 1), "before the campaign started"),
])
def test_a_make_up_is_only_for_a_past_day_of_this_month_in_the_campaign(member, day, reason):
    checkin_campaign(makeup_cost=5, starts=at(date(2026, 6, 2), 0))
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    with pytest.raises(MakeupUnavailable):
        checkin_makeup(member=member, day=day, now=at(date(2026, 6, 10)))


def test_make_ups_are_off_when_they_cost_nothing(member):
    checkin_campaign(makeup_cost=0)
    with pytest.raises(MakeupUnavailable):
        checkin_makeup(member=member, day=date(2026, 6, 8), now=at(date(2026, 6, 10)))


def test_a_checked_day_cannot_be_made_up(member):
    checkin_campaign(makeup_cost=5)
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    check_in_on(member, date(2026, 6, 8))
    with pytest.raises(AlreadyCheckedIn):
        checkin_makeup(member=member, day=date(2026, 6, 8), now=at(date(2026, 6, 10)))
    assert points_of(member) == 110


# --- The board ------------------------------------------------------------------------


def test_the_board_shows_the_month_the_streak_and_what_can_be_made_up(member):
    checkin_campaign(makeup_cost=5, per_month=1, starts=at(date(2026, 6, 3), 0))
    check_in_on(member, date(2026, 6, 8), date(2026, 6, 9))
    board = checkin_board(member=member, now=at(date(2026, 6, 10)))
    assert (board.checked_in_today, board.streak, len(board.month), board.makeups_left) == (False, 2, 30, 1)
    checked = [d.date.day for d in board.month if d.checked_in]
    fillable = [d.date.day for d in board.month if d.can_make_up]
    assert checked == [8, 9] and fillable == [3, 4, 5, 6, 7]
    assert list(board.leading_blanks) == []  # 1 June 2026 is a Monday


def test_the_next_milestone_is_the_next_one_still_reachable(member):
    checkin_campaign(milestones={3: 50, 7: 100})
    check_in_on(member, date(2026, 6, 9))
    board = checkin_board(member=member, now=at(date(2026, 6, 10)))
    assert (board.next.milestone.streak_days, board.next.days_left) == (3, 2)  # today and tomorrow
    check_in_on(member, date(2026, 6, 10), date(2026, 6, 11))
    board = checkin_board(member=member, now=at(date(2026, 6, 11)))
    assert (board.checked_in_today, board.streak, board.next.milestone.streak_days, board.next.days_left) == (True, 3, 7, 4)


def test_a_milestone_the_week_cannot_reach_is_not_offered(member):
    checkin_campaign(cycle="week", milestones={5: 50})
    check_in_on(member, date(2026, 6, 10))  # Wednesday: at most Wed..Sun = 5 days
    assert checkin_board(member=member, now=at(date(2026, 6, 10))).next.days_left == 4
    check_in_on(member, date(2026, 6, 12))  # Friday, after missing Thursday: at most 3 this week
    assert checkin_board(member=member, now=at(date(2026, 6, 12))).next is None


def test_a_milestone_after_the_campaign_ends_is_not_offered(member):
    checkin_campaign(milestones={7: 50}, ends=at(date(2026, 6, 13), 0))
    assert checkin_board(member=member, now=at(date(2026, 6, 10))).next is None  # 10, 11, 12 are left


# --- The API ---------------------------------------------------------------------------


def test_get_checkin_answers_the_month_streak_and_next_reward(member_api, member, clock):
    checkin_campaign(daily=10, makeup_cost=20, per_month=2, milestones={3: 50})
    check_in_on(member, date(2026, 6, 9))
    clock(date(2026, 6, 10))
    body = member_api.get("/api/v1/checkin").json()
    assert {"checked_in_today", "streak", "month", "next_reward"} <= set(body)
    assert (body["checked_in_today"], body["streak"]) == (False, 1)
    assert len(body["month"]) == 30 and body["month"][0] == {"date": "2026-06-01", "checked_in": False, "is_makeup": False, "can_make_up": True}
    assert [d["date"] for d in body["month"] if d["checked_in"]] == ["2026-06-09"]
    assert body["next_reward"] == {"streak_days": 3, "days_left": 2, "reward": {"kind": "points", "points": 50, "label": "50 积分"}}
    assert body["daily_reward"] == {"kind": "points", "points": 10, "label": "10 积分"}
    assert body["makeup"] == {"cost_points": 20, "left_this_month": 2, "per_month": 2}
    assert body["rules"] == ["每天签到领积分", "连签 7 天送优惠券", "漏签可用积分补签"] and body["points"] == 10


def test_post_checkin_is_201_with_the_day_streak_and_rewards_then_409(member_api, member, clock):
    reward = coupon_reward(title="连签券")
    checkin_campaign(daily=10, milestones={2: reward})
    check_in_on(member, date(2026, 6, 9))
    clock(date(2026, 6, 10))
    response = member_api.post("/api/v1/checkin")
    assert response.status_code == 201
    coupon = Coupon.objects.get(member=member)
    assert response.json() == {"date": "2026-06-10", "streak": 2, "is_makeup": False, "rewards": [
        {"kind": "points", "points": 10}, {"kind": "coupon", "coupon": {"id": coupon.pk, "title": "连签券"}}]}
    again = member_api.post("/api/v1/checkin")
    assert again.status_code == 409 and again.json()["code"] == "already_checked_in" and again.json()["detail"] == "今天已经签到过了"
    assert member_api.get("/api/v1/checkin").json()["checked_in_today"] is True


def test_without_a_running_campaign_the_api_says_campaign_not_active(member_api):
    for response in (member_api.post("/api/v1/checkin"), member_api.get("/api/v1/checkin"),
                     member_api.post("/api/v1/checkin/makeup", {"date": "2026-06-01"}, format="json")):
        assert response.status_code == 409 and response.json()["code"] == "campaign_not_active"


def test_anonymous_callers_are_401(api):
    checkin_campaign()
    for response in (api.get("/api/v1/checkin"), api.post("/api/v1/checkin"), api.post("/api/v1/checkin/makeup", {"date": "2026-06-01"}, format="json")):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_make_up_through_the_api(member_api, member, clock):
    checkin_campaign(daily=10, makeup_cost=30, per_month=1)
    clock(date(2026, 6, 10))
    poor = member_api.post("/api/v1/checkin/makeup", {"date": "2026-06-08"}, format="json")
    assert poor.status_code == 409 and poor.json()["code"] == "insufficient_points"
    points_move(member_id=member.pk, amount=100, reason="adjustment", source_key="test:grant")
    done = member_api.post("/api/v1/checkin/makeup", {"date": "2026-06-08"}, format="json")
    assert done.status_code == 201
    assert done.json() == {"date": "2026-06-08", "streak": 1, "is_makeup": True, "rewards": [{"kind": "points", "points": 10}]}
    again = member_api.post("/api/v1/checkin/makeup", {"date": "2026-06-08"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "makeup_limit_reached"
    future = member_api.post("/api/v1/checkin/makeup", {"date": "2026-06-12"}, format="json")
    assert future.status_code == 409 and future.json()["code"] == "makeup_unavailable"
    bad = member_api.post("/api/v1/checkin/makeup", {"date": "昨天"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error" and "date" in bad.json()["fields"]
    body = member_api.get("/api/v1/checkin").json()
    assert body["makeup"]["left_this_month"] == 0 and not any(d["can_make_up"] for d in body["month"])
    assert [d["date"] for d in body["month"] if d["is_makeup"]] == ["2026-06-08"]


def test_the_checkin_scope_limits_taps(member_api, settings):
    checkin_campaign()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkin": {"member": "3/m", "ip": "100/m"}}
    codes = [member_api.post("/api/v1/checkin").status_code for _ in range(4)]
    assert codes == [201, 409, 409, 429]
    assert member_api.get("/api/v1/checkin").status_code == 200  # reading is not limited


# --- The page -------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_the_checkin_page_shows_the_month_the_button_the_streak_and_the_rules(client, member, clock):
    checkin_campaign(daily=10, makeup_cost=20, milestones={3: 50}, rules=["点击签到", "连签 3 天得 50 积分", "漏签可补签"])
    check_in_on(member, date(2026, 6, 9))
    clock(date(2026, 6, 10))
    client.force_login(member)
    page = client.get("/checkin/").content.decode()
    assert "立即签到" in page and 'data-streak>1<' in page and "再连续签到 2 天（满 3 天），得 50 积分" in page
    assert page.count('data-day="2026-06-') == 30 and 'class="day on" data-day="2026-06-09"' in page
    assert 'class="day can" data-day="2026-06-08"' in page and "每次消耗 <b>20</b> 积分" in page
    assert "<li>点击签到</li><li>连签 3 天得 50 积分</li><li>漏签可补签</li>" in page
    assert "js/checkin.js" in page and not INLINE_SCRIPT.search(page) and not EVENT_HANDLER.search(page)
    check_in_on(member, date(2026, 6, 10))
    assert "今日已签到" in client.get("/checkin/").content.decode()


def test_the_checkin_page_without_a_campaign_says_so(client, member):
    client.force_login(member)
    page = client.get("/checkin/").content.decode()
    assert "签到活动暂未开始" in page and "checkin.js" not in page


def test_the_checkin_page_needs_a_login(client):
    response = client.get("/checkin/")
    assert response.status_code == 302 and response["Location"].startswith("/wechat/login/")


def test_home_and_me_lead_to_the_checkin(client, member):
    client.force_login(member)
    assert 'href="/checkin/"' in client.get("/").content.decode()
    me = client.get("/me/").content.decode()
    assert 'href="/checkin/"' in me and 'href="/points/"' in me


# --- The back office ------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def setup_form(campaign, **fields) -> dict:
    data = {
        "campaign": campaign.pk, "reward_kind": "points", "reward_points": "10", "reward_coupon": "", "reward_balance_fen": "",
        "cycle": "week", "milestone_mode": "add", "makeup_cost_points": "20", "makeup_per_month": "2",
        "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0", "milestones-MIN_NUM_FORMS": "0", "milestones-MAX_NUM_FORMS": "1000",
        "milestones-0-streak_days": "7", "milestones-0-reward_kind": "coupon", "milestones-0-reward_points": "",
        "milestones-0-reward_coupon": "", "milestones-0-reward_balance_fen": "",
    }
    return {**data, **fields}


def test_an_operator_sets_up_a_checkin_with_its_milestones_in_one_page(admin_client):
    campaign = Campaign.objects.create(title="六月签到", play="checkin", starts_at=at(date(2026, 6, 1)), ends_at=at(date(2026, 7, 1)))
    template = coupon_reward(title="七日好礼").coupon_template
    response = admin_client.post("/admin/campaigns/checkinsetup/add/", setup_form(campaign, **{"milestones-0-reward_coupon": template.pk}))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    setup = CheckinSetup.objects.get(campaign=campaign)
    assert (setup.daily_reward.kind, setup.daily_reward.points, setup.cycle, setup.makeup_cost_points) == ("points", 10, "week", 20)
    milestone = setup.milestones.get()
    assert (milestone.streak_days, milestone.reward.kind, milestone.reward.coupon_template) == (7, "coupon", template)
    # Changing the daily reward books a new reward; the old one is left to whoever shares it.
    old = setup.daily_reward_id
    form = setup_form(campaign, reward_points="15", **{
        "milestones-INITIAL_FORMS": "1", "milestones-0-id": milestone.pk, "milestones-0-setup": setup.pk,
        "milestones-0-reward_coupon": template.pk})
    assert admin_client.post(f"/admin/campaigns/checkinsetup/{setup.pk}/change/", form).status_code == 302
    setup.refresh_from_db()
    assert setup.daily_reward_id != old and setup.daily_reward.points == 15 and Reward.objects.get(pk=old).points == 10
    assert admin_client.get(f"/admin/campaigns/checkinsetup/{setup.pk}/change/").status_code == 200


def test_the_setup_refuses_a_campaign_of_another_play_and_a_reward_left_empty(admin_client):
    wheel = Campaign.objects.create(title="转盘", play="wheel", starts_at=at(date(2026, 6, 1)), ends_at=at(date(2026, 7, 1)))
    response = admin_client.post("/admin/campaigns/checkinsetup/add/", setup_form(wheel, reward_points=""))
    errors = response.context["adminform"].form.errors
    assert "每日签到" in str(errors["campaign"]) and errors["reward_points"] == ["请填写积分数"]
    assert not CheckinSetup.objects.exists()


def test_the_checkin_list_filters_and_exports(admin_client, member):
    setup = checkin_campaign()
    check_in_on(member, date(2026, 6, 9), date(2026, 6, 10))
    page = admin_client.get(f"/admin/campaigns/checkin/?campaign__id__exact={setup.campaign_id}&day__gte=2026-06-10")
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 1
    response = admin_client.post("/admin/campaigns/checkin/", {"action": "export_csv", "_selected_action": list(Checkin.objects.values_list("pk", flat=True))})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["日期", "会员 ID", "会员", "活动", "连续天数", "补签", "时间"] and len(rows) == 3
    assert admin_client.get(f"/admin/campaigns/checkin/{Checkin.objects.first().pk}/change/").status_code == 200
    assert admin_client.get("/admin/campaigns/checkin/add/").status_code == 403


def test_points_entries_and_campaign_settings_are_in_the_back_office(admin_client, member):
    checkin_campaign()
    check_in_on(member, date(2026, 6, 10))
    assert admin_client.get("/admin/members/pointsentry/").status_code == 200
    assert admin_client.get("/admin/members/pointsentry/add/").status_code == 403
    settings_page = admin_client.get("/admin/campaigns/campaignsettings/", follow=True)
    assert settings_page.status_code == 200 and "购物积分" in settings_page.content.decode()
