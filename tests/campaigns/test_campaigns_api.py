"""GET /api/v1/campaigns: what a member may join now, each pointing at its own endpoints
and its page; the 活动中心 page lists the same."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Wheel

pytestmark = pytest.mark.django_db


def running(play, title=None, **fields):
    now = timezone.now()
    return Campaign.objects.create(title=title or play, play=play, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1), **fields)


def test_running_campaigns_are_listed_with_their_own_ids_and_pages(member_api):
    checkin = running("checkin", rules=["每天签到", "连签有礼", "积分抽奖", "多余的一步"])
    wheel = Wheel.objects.create(campaign=running("wheel"))
    coupons = running("coupon")
    now = timezone.now()
    Campaign.objects.create(title="未开始", play="checkin", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    Campaign.objects.create(title="已下线", play="checkin", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=2), is_active=False)
    running("other")  # only on the calendar
    body = member_api.get("/api/v1/campaigns").json()
    assert {(c["kind"], c["id"], c["path"]) for c in body} == {
        ("checkin", checkin.pk, "/checkin/"), ("wheel", wheel.pk, f"/wheels/{wheel.pk}/"), ("coupon", coupons.pk, "/coupons/center/"),
    }
    entry = next(c for c in body if c["kind"] == "checkin")
    assert set(entry) >= {"kind", "id", "title", "starts_at", "ends_at", "rules", "path"}
    assert entry["rules"] == ["每天签到", "连签有礼", "积分抽奖"] and entry["starts_at"].endswith("+08:00")


def test_a_wheel_campaign_without_its_wheel_is_not_offered(member_api):
    running("wheel")
    assert member_api.get("/api/v1/campaigns").json() == []


def test_anonymous_callers_are_asked_to_log_in(api):
    assert api.get("/api/v1/campaigns").status_code == 401


def test_the_hub_page_lists_them_for_anyone(client):
    running("checkin", title="天天签到")
    html = client.get("/campaigns/").content.decode()
    assert "天天签到" in html and 'href="/checkin/"' in html
