"""The frequency cap under concurrent enqueues, and one push sent by several workers at
once (PostgreSQL): nobody goes over the weekly cap or the monthly ceiling, nobody gets a
push twice, the push's counters match its rows."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from crm.models import MONTHLY_PUSH_CEILING, CrmSettings, Push, PushRecipient, Segment
from crm.services import pushes
from crm.services.pushes import push_create, push_enqueue, push_schedule, push_send, push_test_send
from members.models import Gender
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import operator_settings, requires_postgres
from wechat.emulator.models import EmulatedUser, MassMessage

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
MEMBERS = 40


def followers(count: int) -> list:
    members = [MemberFactory(gender=Gender.FEMALE, is_subscribed=True) for _ in range(count)]
    EmulatedUser.objects.bulk_create([EmulatedUser(openid=m.openid, unionid=f"u_{m.openid}", nickname=m.nickname) for m in members])
    return members


def scheduled_pushes(count: int, *, first: datetime.datetime) -> list[Push]:
    operator = MemberFactory(is_staff=True, is_subscribed=True)
    EmulatedUser.objects.create(openid=operator.openid, unionid="u_operator", nickname="运营")
    segment = Segment.objects.create(name="女性", rules={"match": "all", "rules": [{"field": "gender", "op": "eq", "value": 2}]})
    made = []
    for n in range(count):
        send_at = first + datetime.timedelta(hours=n)
        push = push_create(title=f"推送{n}", cover_url="", summary="", target="/products/1/", segment=segment, send_at=send_at, by=None)
        push_test_send(push_id=push.pk)
        push_schedule(push_id=push.pk, now=first - datetime.timedelta(hours=1))
        made.append(push)
    return made


def most_per_member(**period) -> int:
    counts = PushRecipient.objects.filter(status__in=["queued", "sent"], **period).values("member").annotate(n=Count("pk"))
    return max(row["n"] for row in counts)


def test_pushes_enqueued_at_once_never_put_a_member_over_the_cap():
    members = followers(MEMBERS)
    operator_settings(CrmSettings, weekly_push_cap=2)
    racing = scheduled_pushes(4, first=MONDAY)
    results, errors = race([lambda p=p: push_enqueue(push_id=p.pk, now=MONDAY + datetime.timedelta(days=1)) for p in racing])
    assert not errors
    assert sorted(results) == [0, 0, MEMBERS, MEMBERS]  # two pushes fill the week's cap of 2, the others find everyone capped
    assert most_per_member(week=MONDAY.date()) == 2
    for push in Push.objects.filter(pk__in=[p.pk for p in racing]):
        assert push.status == "sent"
        assert push.capped_count + push.queued_count + push.delivered_count + push.failed_count == MEMBERS
        assert push.delivered_count == PushRecipient.objects.filter(push=push, status="sent").count()
    assert MassMessage.objects.filter(preview=False).count() == 2 * MEMBERS
    assert len(members) == MEMBERS


def test_the_monthly_ceiling_holds_when_a_whole_month_races():
    followers(MEMBERS)
    operator_settings(CrmSettings, weekly_push_cap=MONTHLY_PUSH_CEILING)
    racing = scheduled_pushes(6, first=MONDAY)
    results, errors = race([lambda p=p: push_enqueue(push_id=p.pk, now=MONDAY + datetime.timedelta(days=1)) for p in racing])
    assert not errors
    assert sorted(results) == [0, 0] + [MEMBERS] * MONTHLY_PUSH_CEILING
    assert most_per_member(month=MONDAY.date().replace(day=1)) == MONTHLY_PUSH_CEILING


def test_one_push_sent_by_several_workers_at_once_reaches_each_member_once(monkeypatch):
    followers(MEMBERS)
    monkeypatch.setattr(pushes, "BATCH_SIZE", 7)
    monkeypatch.setattr(pushes, "PARALLEL_SENDERS", 0)  # no task from the enqueue: the racing workers below send it
    [push] = scheduled_pushes(1, first=MONDAY)
    assert push_enqueue(push_id=push.pk, now=MONDAY) == MEMBERS
    results, errors = race([lambda: push_send(push_id=push.pk) for _ in range(4)])
    assert not errors
    assert sum(results) == -(-MEMBERS // 7)  # every batch sent once, by one of them
    push.refresh_from_db()
    assert (push.status, push.delivered_count, push.queued_count) == ("sent", MEMBERS, 0)
    sent = MassMessage.objects.filter(preview=False).values("touser").annotate(n=Count("pk"))
    assert len(sent) == MEMBERS and {row["n"] for row in sent} == {1}
