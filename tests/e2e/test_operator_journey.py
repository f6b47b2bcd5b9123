"""A day in the back office on an operator's 1280×900 screen, in the demo shop: log in
through the admin's login form, read the workbench's figures and queues, ship an order
found by the tail of its number, approve a refund and a withdrawal on their confirmation
pages (the money moves through the WeChat Pay emulator as it would through WeChat), open
the campaign calendar and the CRM dashboard, and build a segment — 广东 and 女 — whose
live count the builder shows before it is saved."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from crm.models import Segment
from crm.selectors.segments import segment_count
from distribution.models import WithdrawalStatus
from distribution.services.binding import binding_apply
from distribution.services.commissions import commissions_release_due
from distribution.services.withdrawals import withdrawal_request
from mall.models import Carrier, Order, OrderStatus, Refund, RefundStatus
from members.models import Gender, Member
from tests.distribution.conftest import buy, complete
from tests.e2e.conftest import serious_accessibility_violations, snap, watch
from tests.factories import MemberFactory, SKUFactory
from tests.journeys import ADDRESS, pay_at_cashier
from wechat.emulator.models import Delivery, MchTransfer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_morning(live_server, settings):
    """The demo shop (its operator logs in as operator / micromall), plus what waits on
    the operator this morning: an order whose buyer left a note, a refund request on a
    paid order, and the demo's 老王 withdrawing his commission to WeChat change."""
    settings.SITE_URL = live_server.url
    call_command("seed_demo", verbosity=0)
    buyer = MemberFactory(nickname="早起的买家")
    api = APIClient()
    api.force_login(buyer)
    mug, tea = SKUFactory(price_fen=4900, product__title="手绘马克杯"), SKUFactory(price_fen=8800, product__title="明前龙井")
    placed = api.post("/api/v1/orders", {"lines": [{"sku_id": mug.pk, "quantity": 2}, {"sku_id": tea.pk, "quantity": 1}],
                                         "address": ADDRESS, "note": "杯子请多包一层气泡膜"}, format="json")
    assert placed.status_code == 201, placed.json()
    to_ship = pay_at_cashier(api, Order.objects.get(number=placed.json()["number"]))

    regretful = MemberFactory(nickname="改主意的买家")
    api.force_login(regretful)
    placed = api.post("/api/v1/orders", {"lines": [{"sku_id": SKUFactory(price_fen=12900, product__title="羊毛围巾").pk, "quantity": 1}],
                                         "address": ADDRESS}, format="json")
    refunded = pay_at_cashier(api, Order.objects.get(number=placed.json()["number"]))
    asked = api.post(f"/api/v1/orders/{refunded.number}/refunds", {"reason": "不想要了"}, format="json")
    assert asked.status_code == 201, asked.json()

    sharer, friend = Member.objects.get(openid="o_emu_laowang"), MemberFactory(nickname="被分享的朋友")  # 老王 has WeChat
    binding_apply(member=friend, code=sharer.referral_code)
    complete(buy(friend, SKUFactory(price_fen=20000)), days_ago=1)
    commissions_release_due(now=timezone.now())
    withdrawal = withdrawal_request(member=sharer, amount_fen=800, channel="wechat")
    return {"to_ship": to_ship, "refund": Refund.objects.get(pk=asked.json()["id"]), "withdrawal": withdrawal}


def run_action(page, label: str, row) -> None:
    """Tick `row` in the admin list, pick the action by its name, run it."""
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=label)
    page.locator("button[name=index]").click()


def test_an_operators_morning(browser, live_server, busy_morning):
    to_ship, refund, withdrawal = busy_morning["to_ship"], busy_morning["refund"], busy_morning["withdrawal"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = watch(page)

    # Logging in through the admin's own form lands on the workbench.
    page.goto(live_server.url + "/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    page.get_by_label("用户名").fill("operator")
    page.get_by_label("密码").fill("micromall")
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page).to_have_url(live_server.url + "/admin/")

    # The figures and the queues are the database's.
    queues = page.locator("#workbench-queues")
    waiting_to_ship = Order.objects.filter(status=OrderStatus.PAID).count()
    expect(queues.get_by_role("link", name=re.compile("待发货"))).to_contain_text(str(waiting_to_ship))
    expect(queues.get_by_role("link", name=re.compile("待审核售后"))).to_contain_text("1")
    expect(queues.get_by_role("link", name=re.compile("待审核提现"))).to_contain_text("1")
    today = page.locator("#workbench-today")
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    placed_today = Order.objects.filter(created_at__gte=start).count()
    expect(today.get_by_role("link", name=re.compile("今日订单"))).to_contain_text(str(placed_today))
    sales = sum(o.pay_fen + o.balance_fen for o in Order.objects.filter(paid_at__gte=start))
    expect(today.get_by_role("link", name=re.compile("今日销售额"))).to_contain_text(f"{sales / 100:.2f}")
    snap(page, "admin-workbench")
    assert serious_accessibility_violations(page) == []

    # Ship: the queue, the order found by the last 6 digits of its number, its ship form.
    queues.get_by_role("link", name=re.compile("待发货")).click()
    expect(page).to_have_url(live_server.url + "/admin/mall/order/?status__exact=paid")
    search = page.get_by_role("search").get_by_placeholder("订单号（或后 6 位）", exact=False)
    search.fill(to_ship.number[-6:])
    search.press("Enter")
    row = page.locator("#result_list tbody tr", has_text=to_ship.number)
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    row.get_by_role("link", name="发货").click()
    expect(page.get_by_role("heading", name="订单发货")).to_be_visible()
    shipping = page.get_by_role("row", name=re.compile(to_ship.number))
    expect(shipping).to_contain_text("手绘马克杯")
    expect(shipping).to_contain_text("买家留言：杯子请多包一层气泡膜")
    shipping.get_by_role("combobox").select_option(label="中通快递")
    shipping.get_by_role("textbox").fill("ZT")  # too short: the form says so and nothing ships
    page.get_by_role("button", name="确认发货").click()
    expect(page.get_by_text("快递单号为 6–40 位字母、数字或 -")).to_be_visible()
    to_ship.refresh_from_db()
    assert to_ship.status == OrderStatus.PAID
    page.get_by_role("row", name=re.compile(to_ship.number)).get_by_role("textbox").fill("ZT7654321098")
    page.get_by_role("button", name="确认发货").click()
    expect(page.get_by_text("已发货 1 个订单")).to_be_visible()
    to_ship.refresh_from_db()
    assert (to_ship.status, to_ship.carrier, to_ship.tracking_number) == (OrderStatus.SHIPPED, Carrier.ZTO, "ZT7654321098")
    assert to_ship.shipped_at and to_ship.events.filter(to_status=OrderStatus.SHIPPED).exists()

    # The refund: its queue, the confirmation page with the amount, then the money goes back through WeChat Pay.
    page.goto(live_server.url + "/admin/")
    queues.get_by_role("link", name=re.compile("待审核售后")).click()
    expect(page).to_have_url(live_server.url + "/admin/mall/refund/?status__exact=requested")
    run_action(page, "同意退款（通过微信支付原路退回）…", page.locator("#result_list tbody tr", has_text=refund.order.number))
    expect(page.get_by_role("heading", name="确认同意退款")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(refund.order.number))).to_contain_text("改主意的买家")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED
    page.get_by_role("button", name="确认退款 ¥129.00").click()
    expect(page.get_by_text("已同意 1 个")).to_be_visible()
    refund.refresh_from_db()
    order = Order.objects.get(pk=refund.order_id)
    assert refund.status == RefundStatus.REFUNDED and refund.reviewed_by.username == "operator"
    assert Delivery.objects.get(kind="refund", reference=refund.out_refund_no).accepted  # WeChat's notification landed
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 12900)

    # The withdrawal: paid to the sharer's WeChat change once confirmed.
    page.goto(live_server.url + "/admin/")
    queues.get_by_role("link", name=re.compile("待审核提现")).click()
    expect(page).to_have_url(live_server.url + "/admin/distribution/withdrawal/?status__exact=pending")
    run_action(page, "同意并打款…", page.locator("#result_list tbody tr", has_text=withdrawal.number))
    expect(page.get_by_role("heading", name="确认同意提现并打款")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(withdrawal.number))).to_contain_text("微信零钱")
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING
    page.get_by_role("button", name="确认打款 ¥8.00").click()
    expect(page.get_by_text("已处理 1 笔")).to_be_visible()
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID and withdrawal.paid_at
    transfer = MchTransfer.objects.get(partner_trade_no=withdrawal.number)
    assert (transfer.amount, transfer.openid, withdrawal.payout_reference) == (800, withdrawal.member.openid, transfer.payment_no)
    page.goto(live_server.url + "/admin/")
    for queue in ("待审核售后", "待审核提现"):
        expect(queues.get_by_role("link", name=re.compile(queue))).to_contain_text("0")

    # The campaign calendar, from the sidebar's 活动日历.
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"活动日历$")).click()
    expect(page).to_have_url(live_server.url + "/admin/campaigns/campaign/")
    page.get_by_role("link", name="查看活动月历").click()
    now = timezone.localtime()
    expect(page.get_by_role("heading", name=f"活动日历 · {now.year} 年 {now.month} 月")).to_be_visible()
    expect(page.locator("table.campaign-calendar")).to_contain_text("年终大促")
    snap(page, "campaign-calendar")

    # The CRM dashboard.
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"CRM 看板$")).click()
    expect(page).to_have_url(live_server.url + "/admin/crm/crmdashboard/")
    shoppers = Member.objects.filter(is_staff=False).count()
    expect(page.locator("#crm-overview")).to_contain_text(re.compile(rf"会员\s*{shoppers}\s"))
    snap(page, "crm-dashboard")
    assert serious_accessibility_violations(page) == []

    # A segment: women in 广东, counted live as the rules are built, then saved.
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"会员分群$")).click()
    page.get_by_title(re.compile(r"\S+ 会员分群$")).click()  # the round ＋ beside the title
    expect(page).to_have_url(live_server.url + "/admin/crm/segment/add/")
    page.get_by_label("名称").fill("广东女性会员")
    builder = page.locator("#segment-builder")
    builder.get_by_role("button", name="＋ 添加条件", exact=True).click()
    first = builder.locator(".sb-rule").nth(0)
    expect(first.get_by_label("条件字段")).to_have_value("gender")  # the first field offered
    first.get_by_label("条件值").select_option(label="女")
    builder.get_by_role("button", name="＋ 添加条件", exact=True).click()
    second = builder.locator(".sb-rule").nth(1)
    second.get_by_label("条件字段").select_option(label="省份")
    province = second.get_by_label("条件值")  # a text box with the provinces suggested
    province.fill("广东")
    province.press("Tab")
    rules = {"match": "all", "rules": [{"field": "gender", "op": "eq", "value": Gender.FEMALE},
                                       {"field": "province", "op": "eq", "value": "广东"}]}
    expected = segment_count(rules)
    assert 0 < expected < Member.objects.filter(province="广东").count()  # the second rule narrows the first
    expect(builder.locator(".sb-count")).to_have_text(f"符合条件的会员：{expected} 人")
    expect(builder.locator(".sb-sample tbody tr")).to_have_count(expected)
    snap(page, "segment-builder")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("广东女性会员").first).to_be_visible()
    segment = Segment.objects.get(name="广东女性会员")
    assert segment.rules == rules and segment.member_count == expected and segment.created_by.username == "operator"

    page.wait_for_load_state("networkidle")
    context.close()
    assert not errors, errors
