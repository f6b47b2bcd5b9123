"""The member's one-page record on the member's admin page: every section for whoever may
see it, the conversation with its reply box and the follow-ups with their add form, in a
number of queries that does not grow with the member's history."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import FollowUp, InboxMessage
from mall.models import Order
from members.models import BalanceEntry, PointsEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def operator_in(*groups, superuser=False):
    account = MemberFactory(is_staff=True, is_superuser=superuser, openid=None, nickname="值班客服")
    for name in groups:
        account.groups.add(Group.objects.get(name=name))
    return account


def give_history(member, n):
    """n orders, messages both ways, follow-ups and ledger rows, each with its own operator."""
    now = timezone.now()
    Order.objects.bulk_create([
        Order(member=member, goods_fen=1000 + i, shipping_fen=0, pay_fen=1000 + i, receiver_name="王五", receiver_phone="13800138000",
              province="广东", city="深圳", address_detail="科技园 1 号", expires_at=now, number=f"T{member.pk:04d}{i:06d}")
        for i in range(n)
    ])
    operators = [MemberFactory(is_staff=True, openid=None) for _ in range(n)]
    InboxMessage.objects.bulk_create(
        [InboxMessage(member=member, direction="in", status="received", content=f"问题{i}", created_at=now - timedelta(hours=3)) for i in range(n)]
        + [InboxMessage(member=member, direction="out", status="sent", content=f"回复{i}", operator=operators[i]) for i in range(n)]
    )
    FollowUp.objects.bulk_create([FollowUp(member=member, note=f"回访{i}", operator=operators[i], response_seconds=600) for i in range(n)])
    PointsEntry.objects.bulk_create([PointsEntry(member=member, reason="checkin", amount=5, balance_after=5 * (i + 1), source_key=f"p{member.pk}:{i}") for i in range(n)])
    BalanceEntry.objects.bulk_create([BalanceEntry(member=member, kind="adjustment", amount_fen=100, balance_after_fen=100 * (i + 1), source_key=f"b{member.pk}:{i}") for i in range(n)])


def page_of(client, member):
    response = client.get(f"/admin/members/member/{member.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_manager_sees_every_section_of_the_record(client):
    member = MemberFactory()
    give_history(member, 2)
    client.force_login(operator_in("店长"))
    page = page_of(client, member)
    for section in ("orders", "commissions", "ledgers", "coupons", "campaigns", "conversation", "follow-ups"):
        assert f'data-section="{section}"' in page, section
    assert f"T{member.pk:04d}000001" in page and "10.01" in page  # the order and what was paid, in yuan
    assert "问题1" in page and "回复1" in page and "可回复，剩余 44 小时" in page and "发送回复" in page
    assert "回访1" in page and "10 分钟" in page and "记录跟进" in page


def test_the_page_costs_the_same_queries_however_long_the_history(client, django_assert_max_num_queries):
    client.force_login(operator_in("店长"))
    short, long = MemberFactory(), MemberFactory()
    give_history(short, 1)
    give_history(long, 30)
    page_of(client, short)  # caches warmed (sessions, the attribute list)
    with CaptureQueriesContext(connection) as one:
        page_of(client, short)
    with django_assert_max_num_queries(len(one)):
        page_of(client, long)
    with django_assert_max_num_queries(45):
        page_of(client, long)


def test_each_section_needs_its_permission(client):
    member = MemberFactory()
    give_history(member, 1)
    client.force_login(operator_in("会员运营"))
    page = page_of(client, member)
    assert 'data-section="orders"' not in page and 'data-section="commissions"' not in page
    assert 'data-section="conversation"' in page and "发送回复" not in page  # reads the inbox, replies are the desk's
    assert 'data-section="follow-ups"' in page and "记录跟进" in page
    client.force_login(operator_in("订单客服"))
    page = page_of(client, member)
    assert 'data-section="orders"' in page and "发送回复" in page and 'data-section="ledgers"' not in page


def test_a_follow_up_added_on_the_record_comes_back_to_it(client):
    member = MemberFactory()
    InboxMessage.objects.create(member=member, direction="in", status="received", content="尺码偏小吗", created_at=timezone.now() - timedelta(minutes=30))
    operator = operator_in("会员运营")
    client.force_login(operator)
    record = f"/admin/members/member/{member.pk}/change/"
    response = client.post("/admin/crm/followup/add/", {"member": member.pk, "channel": "phone", "note": "电话说明尺码", "next": record})
    assert response.status_code == 302 and response["Location"] == record
    follow_up = FollowUp.objects.get()
    assert follow_up.operator == operator and 1800 <= follow_up.response_seconds < 1860
    assert "电话说明尺码" in page_of(client, member) and "30 分钟" in page_of(client, member)


def test_a_reply_outside_the_window_from_the_record_is_refused_there(client):
    member = MemberFactory()
    InboxMessage.objects.create(member=member, direction="in", status="received", content="在吗", created_at=timezone.now() - timedelta(hours=60))
    client.force_login(operator_in("订单客服"))
    record = f"/admin/members/member/{member.pk}/change/"
    assert "已超过 48 小时，无法回复" in page_of(client, member)
    response = client.post(f"/admin/crm/conversation/{member.pk}/change/", {"content": "在的", "next": record}, follow=True)
    assert response.redirect_chain[-1][0] == record and "48 小时内没有发来消息" in response.content.decode()
    assert not InboxMessage.objects.filter(direction="out").exists()
