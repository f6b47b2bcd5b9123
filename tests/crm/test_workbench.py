"""The back office's home is a workbench: today's sales, orders, paying and new members
(today in the shop's time zone), and the queues waiting on someone, each a link to its
list already filtered, each shown only to who may open that list."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone

from crm.selectors import workbench_figures
from distribution.models import Withdrawal
from mall.models import Order, Refund, RefundStatus
from mall.services.orders import LineRequest, order_create
from members.models import Member
from outbox.models import Delivery, Event
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import DESTINATION, queries_to_get

pytestmark = pytest.mark.django_db


def start_of_today():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def placed(member, sku, *, at, paid_at=None, balance_fen=0) -> Order:
    """An order placed at `at`, paid at `paid_at` (if given), part of it from the store balance."""
    order = order_create(member=member, destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    fields = {"created_at": at}
    if paid_at:
        fields.update(status="paid", paid_at=paid_at, balance_fen=balance_fen, pay_fen=F("pay_fen") - balance_fen)
    Order.objects.filter(pk=order.pk).update(**fields)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def day():
    """Orders around today's boundaries in Asia/Shanghai, members old and new, and one of
    each queue."""
    today = start_of_today()
    sku = SKUFactory(price_fen=10000, stock=100)
    regular, newcomer, staff = MemberFactory(), MemberFactory(), MemberFactory(is_staff=True, openid=None)
    Member.objects.filter(pk=regular.pk).update(date_joined=today - timedelta(days=30))
    Member.objects.filter(pk=staff.pk).update(date_joined=today + timedelta(minutes=1))  # operators are not new members
    paid_today = [
        placed(regular, sku, at=today + timedelta(minutes=1), paid_at=today + timedelta(minutes=2), balance_fen=2500),
        placed(regular, sku, at=today - timedelta(hours=2), paid_at=today + timedelta(minutes=3)),  # placed last night
        placed(newcomer, sku, at=today + timedelta(minutes=4), paid_at=today + timedelta(minutes=5)),
    ]
    placed(regular, sku, at=today - timedelta(days=1), paid_at=today - timedelta(seconds=1))  # paid one second before midnight
    placed(newcomer, sku, at=today + timedelta(minutes=6))  # placed today, not paid
    waiting = paid_today[2]
    Refund.objects.create(order=waiting, amount_fen=1000, reason="不想要了", status=RefundStatus.REQUESTED, order_status_before="paid")
    Withdrawal.objects.create(member=regular, number="W000000000000000000000001", amount_fen=500, channel="wechat")
    Withdrawal.objects.create(member=regular, number="W000000000000000000000002", amount_fen=700, channel="wechat", status="paid")
    event = Event.objects.create(name="order.paid")
    Delivery.objects.create(event=event, subscriber="crm.receivers.broken", attempts=2)
    return {"sales_fen": sum(order.pay_fen + order.balance_fen for order in paid_today)}


def test_today_counts_the_shops_calendar_day(day):
    figures = workbench_figures()
    assert figures["sales_fen"] == day["sales_fen"] == 3 * 10000  # free shipping above 99; the balance part counts too
    assert figures["paying_members"] == 2  # two orders from the same member count once
    assert figures["orders_placed"] == 3  # today's three, not last night's or yesterday's
    assert figures["new_members"] == 1
    assert (figures["to_ship"], figures["refunds_waiting"], figures["withdrawals_waiting"], figures["stuck_deliveries"]) == (4, 1, 1, 1)  # yesterday's paid order waits too


def test_the_figures_take_seven_queries_however_many_orders(day, django_assert_num_queries):
    with django_assert_num_queries(7):
        workbench_figures()


def test_the_home_page_shows_the_figures_with_links_to_the_filtered_lists(client, day):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    html = client.get("/admin/").content.decode()
    assert "今日销售额" in html and "300.00" in html
    queues = {
        "待发货": "/admin/mall/order/?status__exact=paid",
        "待审核售后": "/admin/mall/refund/?status__exact=requested",
        "待审核提现": "/admin/distribution/withdrawal/?status__exact=pending",
        "卡住的事件投递": "/admin/outbox/delivery/?stuck=yes",
    }
    for title, link in queues.items():
        assert re.search(rf'href="{re.escape(link)}"[^>]*>[\s\S]*?{title}', html), title
    assert client.get(queues["待发货"]).context["cl"].result_count == 4
    assert client.get(queues["卡住的事件投递"]).context["cl"].result_count == 1


def test_each_figure_links_to_the_list_it_counts(client, day):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    response = client.get("/admin/")
    html = response.content.decode()
    links = {figure["title"]: figure["link"] for figure in response.context["workbench_today"]}
    for link in links.values():
        assert f'href="{link.replace("&", "&amp;")}"' in html
    counted = {title: client.get(link).context["cl"].result_count for title, link in links.items()}
    assert counted == {"今日销售额（元）": 3, "今日订单": 3, "今日付款会员": 3, "今日新会员": 1}


def test_operators_see_only_the_figures_of_lists_they_may_open(client, day):
    service = MemberFactory(is_staff=True, openid=None)
    service.groups.add(Group.objects.get(name="订单客服"))
    client.force_login(service)
    html = client.get("/admin/").content.decode()
    assert {"今日销售额", "今日订单", "今日新会员", "待发货", "待审核售后"} <= {title for title in re.findall(r"(今日\w+|待\w+)", html)}
    assert "待审核提现" not in html and "卡住的事件投递" not in html

    catalogue = MemberFactory(is_staff=True, openid=None)
    catalogue.groups.add(Group.objects.get(name="商品运营"))
    client.force_login(catalogue)
    html = client.get("/admin/").content.decode()
    assert not re.search(r"今日销售额|今日订单|待发货|待审核", html)


def test_the_home_page_costs_the_same_with_more_orders(client, day):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    before = queries_to_get(client, "/admin/")
    sku = SKUFactory(price_fen=3000)
    for _ in range(5):
        placed(MemberFactory(), sku, at=timezone.now(), paid_at=timezone.now())
    assert queries_to_get(client, "/admin/") == before
