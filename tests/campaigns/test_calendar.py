"""The campaign calendar: bars, gaps between important campaigns, the type mix, gap
warnings, and each campaign's participation against the 20 % benchmark."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Participation
from campaigns.selectors import calendar_month, campaign_stats, gaps_beside
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 0):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def campaign(title, first: date, last: date, **fields):
    fields.setdefault("play", "other")
    return Campaign.objects.create(title=title, starts_at=at(first), ends_at=at(last + timedelta(days=1)), **fields)


def test_the_month_shows_each_campaign_as_a_bar_and_the_gaps_between_important_ones():
    campaign("双十二", date(2026, 12, 1), date(2026, 12, 12), type="promotion")
    campaign("冬日主题", date(2026, 12, 16), date(2026, 12, 31))
    campaign("小活动", date(2026, 12, 13), date(2026, 12, 14), is_important=False)
    month = calendar_month(year=2026, month=12)
    assert [(bar.campaign.title, bar.offset, bar.span) for bar in month.bars] == [("双十二", 0, 12), ("小活动", 12, 2), ("冬日主题", 15, 16)]
    assert month.gaps == [(date(2026, 12, 13), date(2026, 12, 15))]  # the unimportant one does not fill it


def test_a_campaign_running_over_the_month_edges_is_clipped_to_it():
    campaign("跨月", date(2026, 11, 20), date(2027, 1, 10))
    [bar] = calendar_month(year=2026, month=12).bars
    assert (bar.first_day, bar.last_day, bar.span, bar.trailing) == (date(2026, 12, 1), date(2026, 12, 31), 31, 0)
    assert calendar_month(year=2026, month=12).gaps == []


def test_the_mix_is_held_against_two_thirds_theme():
    campaign("A", date(2026, 12, 1), date(2026, 12, 2), type="theme")
    campaign("B", date(2026, 12, 3), date(2026, 12, 4), type="promotion")
    month = calendar_month(year=2026, month=12)
    assert month.mix == {"promotion": 1, "theme": 1, "regular": 0, "brand": 0}
    assert month.theme_share_low
    campaign("C", date(2026, 12, 5), date(2026, 12, 6), type="theme")
    campaign("D", date(2026, 12, 7), date(2026, 12, 8), type="theme")
    assert not calendar_month(year=2026, month=12).theme_share_low


def test_saving_an_important_campaign_that_leaves_a_gap_warns():
    campaign("前", date(2026, 12, 1), date(2026, 12, 10))
    campaign("后", date(2026, 12, 20), date(2026, 12, 31))
    middle = campaign("中", date(2026, 12, 12), date(2026, 12, 18))
    warnings = gaps_beside(campaign=middle)
    assert len(warnings) == 2 and "「前」" in warnings[0] and "1 天" in warnings[0] and "「后」" in warnings[1]
    joined = campaign("接上", date(2026, 12, 11), date(2026, 12, 19))
    assert gaps_beside(campaign=joined) == []


def test_participation_is_measured_against_the_audience():
    members = [MemberFactory() for _ in range(10)]
    running = campaign("签到", timezone.localdate(), timezone.localdate() + timedelta(days=3))
    for member in members[:2]:
        Participation.objects.create(campaign=running, member=member)
    stats = campaign_stats(campaign=running)
    assert (stats.participants, stats.audience, stats.is_good) == (2, 10, True)  # 20 %: a good campaign
    Participation.objects.filter(member=members[1]).delete()
    assert not campaign_stats(campaign=running).is_good


@pytest.fixture
def operator(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))


def test_the_calendar_page_shows_bars_gaps_and_mix(client, operator):
    campaign("双十二", date(2026, 12, 1), date(2026, 12, 12), type="promotion")
    page = client.get("/admin/campaigns/campaign/calendar/?month=2026-12")
    html = page.content.decode()
    assert page.status_code == 200 and "双十二" in html and "12月13日 – 12月31日 没有重点活动" in html and "低于建议的三分之二" in html
    assert client.get("/admin/campaigns/campaign/calendar/?month=junk").status_code == 200


def test_the_admin_warns_on_save_when_a_gap_opens(client, operator):
    campaign("前", date(2026, 12, 1), date(2026, 12, 10))
    form = {"title": "新活动", "play": "other", "type": "theme", "goal": "activity", "is_important": "on", "audience": "all",
            "starts_at_0": "2026-12-15", "starts_at_1": "00:00:00", "ends_at_0": "2026-12-20", "ends_at_1": "00:00:00",
            "is_active": "on", "rules": "来逛逛\n下单有礼"}
    response = client.post("/admin/campaigns/campaign/add/", form, follow=True)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert any("空档" in message for message in messages), messages
    assert Campaign.objects.get(title="新活动").rules == ["来逛逛", "下单有礼"]


def test_rules_have_three_steps_at_most(client, operator):
    form = {"title": "太复杂", "play": "other", "type": "theme", "goal": "activity", "audience": "all",
            "starts_at_0": "2026-12-15", "starts_at_1": "00:00:00", "ends_at_0": "2026-12-20", "ends_at_1": "00:00:00",
            "rules": "一\n二\n三\n四"}
    response = client.post("/admin/campaigns/campaign/add/", form)
    assert "规则最多 3 步" in response.content.decode() and not Campaign.objects.exists()
