"""The push funnel (delivered → opened → visited → ordered) filled by the short-link click,
a page view and a paid order; and the KPI arithmetic beside the benchmarks."""

import datetime

import pytest
from django.utils import timezone

from crm.models import Push, PushRecipient, Segment, ShortLink
from crm.selectors.kpis import (
    AT_BAND,
    BENCHMARKS,
    Funnel,
    Verdict,
    fan_growth_rate,
    participation_rate,
    push_funnel,
    rate_bp,
    verdict,
)
from crm.services.links import link_click
from crm.services.pushes import push_order_record, push_visit_record
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import deliver_events
from tests.journeys import pay_at_cashier, place_order
from wechat.emulator.models import EmulatedUser

pytestmark = pytest.mark.django_db


# --- Arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(("numerator", "denominator", "bp"), [
    (0, 0, None), (5, 0, None), (0, 7, 0), (1, 3, 3333), (2, 3, 6667), (1, 8, 1250), (1, 1, 10000), (3, 2, 15000),
    (1, 20_000, 1),  # 0.5 bp rounds up
    (1, 20_001, 0),  # just under half rounds down
    (4, 10, 4000),
])
def test_rates_in_basis_points_round_half_up_and_nothing_over_zero(numerator, denominator, bp):
    assert rate_bp(numerator, denominator) == bp


@pytest.mark.parametrize(("rate", "expected"), [
    (None, None), (0, Verdict.BELOW), (3999, Verdict.BELOW), (4000, Verdict.AT), (4000 + AT_BAND - 1, Verdict.AT),
    (4000 + AT_BAND, Verdict.ABOVE), (10000, Verdict.ABOVE),
])
def test_verdict_against_the_reach_benchmark(rate, expected):
    assert verdict(rate, BENCHMARKS["reach"]) == expected


def test_funnel_rates_and_their_benchmarks():
    funnel = Funnel(targeted=1000, delivered=399, opened=120, visited=60, ordered=0)
    assert (funnel.reach.bp, funnel.reach.verdict, funnel.reach.percent, funnel.reach.benchmark_percent) == (3990, "below", "39.9%", "≥ 40%")
    assert (funnel.read.bp, funnel.read.verdict) == (3008, "at")
    assert (funnel.visit.bp, funnel.visit.verdict) == (5000, None)  # no benchmark for it
    assert (funnel.order.bp, funnel.conversion.bp) == (0, 0)
    empty = Funnel(targeted=0, delivered=0, opened=0, visited=0, ordered=0)
    assert all(rate.bp is None and rate.percent == "—" and rate.verdict is None for rate in empty.rates)


def test_participation_and_fan_growth():
    assert participation_rate(participants=250, audience=1000).verdict == Verdict.ABOVE
    assert participation_rate(participants=0, audience=0).verdict is None
    growth = fan_growth_rate(followers_before=500, followers_after=600)
    assert (growth.bp, growth.verdict) == (2000, Verdict.AT)
    assert fan_growth_rate(followers_before=500, followers_after=450).bp == -1000  # the promotion lost fans


# --- The funnel filled by what members do ----------------------------------------------------


@pytest.fixture
def push():
    segment = Segment.objects.create(name="全部", rules={"match": "all", "rules": [{"field": "gender", "op": "in", "value": [0, 1, 2]}]})
    return Push.objects.create(title="上新", target="/products/1/", segment=segment, send_at=timezone.now(), status=Push.Status.SENT,
                               targeted_count=4, delivered_count=3)


def recipient(push, member, **fields):
    today = timezone.localdate()
    return PushRecipient.objects.create(push=push, member=member, openid=member.openid, week=today, month=today.replace(day=1),
                                        status="sent", **fields)


def test_click_visit_and_paid_order_fill_the_funnel_once(push, api_for):
    buyer = MemberFactory(openid="o_emu_funnel")
    EmulatedUser.objects.create(openid=buyer.openid, unionid="u_funnel", nickname="买家")
    reader = MemberFactory()
    recipient(push, buyer), recipient(push, reader), recipient(push, MemberFactory())
    link = ShortLink.objects.create(code="pushfunnel", target="/products/1/", push=push)

    link_click(link=link, member=buyer)
    link_click(link=link, member=reader)
    push_visit_record(member_id=buyer.pk, at=timezone.now())
    api = api_for(buyer)
    pay_at_cashier(api, place_order(api, SKUFactory(price_fen=1000)))
    deliver_events()
    deliver_events()  # a second delivery round changes nothing

    row = PushRecipient.objects.get(push=push, member=buyer)
    ordered_at = row.ordered_at
    assert row.opened_at and row.visited_at and ordered_at
    pay_at_cashier(api, place_order(api, SKUFactory(price_fen=500)))
    deliver_events()
    assert PushRecipient.objects.get(pk=row.pk).ordered_at == ordered_at  # the first order counts
    funnel = push_funnel(push)
    assert (funnel.targeted, funnel.delivered, funnel.opened, funnel.visited, funnel.ordered) == (4, 3, 2, 1, 1)
    assert (funnel.reach.bp, funnel.read.bp) == (7500, 6667)


def test_an_order_counts_only_for_pushes_opened_in_the_week_before(push):
    member, now = MemberFactory(), timezone.now()
    fresh = recipient(push, member, opened_at=now - datetime.timedelta(days=6, hours=23))
    other = Push.objects.create(title="旧", target="/", segment=push.segment, send_at=now)
    stale = recipient(other, member, opened_at=now - datetime.timedelta(days=7, minutes=1))
    unopened = recipient(Push.objects.create(title="未读", target="/", segment=push.segment, send_at=now), member)
    assert push_order_record(member_id=member.pk, at=now) == 1
    assert push_order_record(member_id=member.pk, at=now) == 0
    assert [PushRecipient.objects.get(pk=r.pk).ordered_at for r in (fresh, stale, unopened)] == [now, None, None]
