"""Helpers the CRM's parallel work had written twice, now one each: the dashboard's
benchmarks through the shop's one rate formatter, the shoppers the figures count, and
one way from an openid to a member whose first channel stays theirs."""

import pytest
from django.utils import timezone

from crm.admin.dashboard import dashboard_context
from crm.models import Channel
from crm.selectors.dashboard import members_overview
from crm.selectors.kpis import BENCHMARKS
from crm.services.inbox import inbox_receive
from crm.services.links import link_click, short_link_create
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_dashboards_benchmarks_read_like_every_other_rate(monkeypatch):
    monkeypatch.setitem(BENCHMARKS, "read", 1250)
    benchmarks = dashboard_context(days=7)["benchmarks"]
    assert (benchmarks["reach"], benchmarks["read"]) == ("40%", "12.5%")  # was "12%": // 100 dropped the half


def test_operators_are_never_counted_as_members_on_the_dashboard():
    MemberFactory(), MemberFactory(is_staff=True), MemberFactory(is_superuser=True)
    assert members_overview()["members"] == 1


def test_a_member_first_seen_writing_keeps_the_channel_of_their_first_click():
    message = inbox_receive(openid="o_new_1", content="在吗", received_at=timezone.now(), dedup_key="t:1")
    member = Member.objects.get(openid="o_new_1")
    assert message.member == member and member.username == "wx_o_new_1"
    first, second = (Channel.objects.create(name=name, code=name) for name in ("poster", "store"))
    for channel in (first, second):
        link = short_link_create(target="/", channel=channel)
        link_click(link=link, member=member)
    member.refresh_from_db()
    assert member.source_channel == "poster"
