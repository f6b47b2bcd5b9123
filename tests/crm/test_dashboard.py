"""The CRM dashboard: fan growth worked back from today's followers, the funnels per
channel and sharer, the rates coloured against their benchmarks, for who may see it, in
a number of queries that does not grow with the members."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Channel, PurchaseStats, RfmGroup, TrackedEvent
from crm.selectors import dashboard
from distribution.services.binding import binding_apply
from tests.factories import MemberFactory
from tests.helpers import queries_to_get
from wechat.models import AccountEvent

pytestmark = pytest.mark.django_db
URL = "/admin/crm/crmdashboard/"


def moved(kind: str, *, days_ago: int, n: int = 1) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    for _ in range(n):
        event = AccountEvent.objects.create(dedup_key=f"{kind}:{AccountEvent.objects.count()}", openid="o", kind=kind, raw="")
        AccountEvent.objects.filter(pk=event.pk).update(received_at=at)


def test_fan_days_work_back_from_todays_followers():
    MemberFactory.create_batch(5, is_subscribed=True)
    moved("subscribe", days_ago=0, n=2)
    moved("subscribe", days_ago=1, n=3)
    moved("unsubscribe", days_ago=1)
    days = dashboard.fan_days(days=3)
    assert [(d.gained, d.lost, d.followers) for d in days] == [(0, 0, 1), (3, 1, 3), (2, 0, 5)]
    assert days[-1].day == timezone.localdate()


def test_fan_growth_during_a_period_counts_only_its_moves():
    MemberFactory.create_batch(12, is_subscribed=True)
    moved("subscribe", days_ago=8, n=2)  # before
    moved("subscribe", days_ago=5, n=3)  # during
    moved("unsubscribe", days_ago=4)  # during
    moved("subscribe", days_ago=1, n=2)  # after
    now = timezone.now()
    at_start, gained = dashboard.fan_growth_during(start=now - timedelta(days=6), end=now - timedelta(days=2))
    assert (at_start, gained) == (12 - 2 - (3 - 1), 2)


def test_channel_rows_count_members_followers_buyers_and_sales():
    Channel.objects.create(name="门店", code="store")
    Channel.objects.create(name="空渠道", code="empty")
    buyer = MemberFactory(source_channel="store", is_subscribed=True)
    MemberFactory(source_channel="store", is_subscribed=False)
    PurchaseStats.objects.create(member=buyer, order_count=2, paid_fen=12_300)
    rows = {row.code: row for row in dashboard.channel_rows()}
    assert (rows["store"].members, rows["store"].followers, rows["store"].buyers, rows["store"].sales_fen) == (2, 1, 1, 12_300)
    assert (rows["empty"].members, rows["empty"].sales_fen) == (0, 0)


def test_sharer_rows_follow_friends_to_their_purchases():
    sharer = MemberFactory(nickname="阿强")
    friends = MemberFactory.create_batch(3)
    for friend in friends:
        binding_apply(member=friend, code=sharer.referral_code)
    PurchaseStats.objects.create(member=friends[0], order_count=1, paid_fen=5_000)
    TrackedEvent.objects.create(member=sharer, name="share", path="/")
    [row] = dashboard.sharer_rows()
    assert (row.name, row.shares, row.friends, row.buyers, row.sales_fen) == ("阿强", 1, 3, 1, 5_000)


def test_rfm_groups_are_listed_in_order_with_zeroes():
    PurchaseStats.objects.create(member=MemberFactory(), order_count=1, paid_fen=1, rfm_group=RfmGroup.NEWCOMER)
    groups = dict(dashboard.rfm_groups())
    assert list(groups) == [label for _, label in RfmGroup.choices]
    assert groups["新客"] == 1 and groups["重要价值"] == 0


def test_the_page_colours_each_rate_by_its_benchmark(client):
    Channel.objects.create(name="门店", code="store")
    for subscribed in (True, False, False, False, False):  # 1 in 5 follow: a rate without a benchmark
        MemberFactory(source_channel="store", is_subscribed=subscribed)
    client.force_login(MemberFactory(is_superuser=True, is_staff=True))
    page = client.get(URL).content.decode()
    assert "CRM 看板" in page and "20%" in page
    assert 'data-type="line"' in page and 'data-type="bar"' in page  # the charts, drawn by the bundled Chart.js


def test_only_marketing_and_member_operators_open_it(client):
    for job, allowed in (("会员运营", True), ("营销运营", True), ("订单客服", False), ("财务", False)):
        operator = MemberFactory(is_staff=True, openid=None)
        operator.groups.add(Group.objects.get(name=job))
        client.force_login(operator)
        assert (client.get(URL).status_code == 200) is allowed, job


def test_the_page_costs_the_same_with_more_members(client):
    Channel.objects.create(name="门店", code="store")
    client.force_login(MemberFactory(is_superuser=True, is_staff=True))
    for member in MemberFactory.create_batch(3, source_channel="store", is_subscribed=True):
        binding_apply(member=MemberFactory(), code=member.referral_code)
    queries_to_get(client, URL)  # the first visit fills per-process caches (content types, settings)
    few = queries_to_get(client, URL)
    for member in MemberFactory.create_batch(20, source_channel="store", is_subscribed=True):
        PurchaseStats.objects.create(member=member, order_count=1, paid_fen=100)
        binding_apply(member=MemberFactory(), code=member.referral_code)
    assert queries_to_get(client, URL) == few
