"""A sharer's whole loop, in Chromium at phone size: the sharer center and the poster, a
friend opening the share link in another browser and buying, the commission frozen, then
available after settlement, then withdrawn and paid by the operator in the back office."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from demo.pictures import banner_picture
from distribution.models import Commission, CommissionStatus, Referral, Withdrawal, WithdrawalStatus
from distribution.selectors import balances
from mall.models import Banner, Carrier, Order, OrderStatus
from mall.services.fulfilment import order_ship
from members.models import Member
from tests.e2e.conftest import phone_context, serious_accessibility_violations, snap, watch
from wechat.emulator.models import MchTransfer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expect():
    """The machine is shared and the loop is long: wait longer than Playwright's 5 s."""
    expect.set_options(timeout=15000)
    yield
    expect.set_options(timeout=5000)


# The vertical middles of a choice's radio button and of its words.
RADIO_AND_WORDS = """label => {
    const radio = label.querySelector("input").getBoundingClientRect();
    const words = document.createRange();
    words.selectNodeContents(label.lastChild);
    const box = words.getBoundingClientRect();
    return [radio.top + radio.height / 2, box.top + box.height / 2];
}"""


def figure(page, label: str):
    """A figure of the sharer center's hero, by the words under it (冻结中, 提现中, 已提现)."""
    return page.locator(".earn-row > div", has=page.get_by_text(label, exact=True)).locator("b")


@pytest.fixture
def banner():
    """The home page's banner, which the shop poster shows."""
    banner = Banner(title="冬季焕新 全场满 99 包邮", link_url="/products/")
    banner.image.save("banner.jpg", ContentFile(banner_picture(("#ff7a59", "#e4393c"), [("jacket", "#2b2d31"), ("scarf", "#d9363e")])))
    return banner


def test_a_sharer_shares_a_friend_buys_and_the_commission_is_withdrawn_and_paid(phone, desk, browser, live_server, shirt, banner):
    page, url = phone, live_server.url

    # The sharer logs in through WeChat and opens the sharer center: nothing earned yet.
    page.goto(url + "/distribution/")
    page.get_by_role("button", name=re.compile("小明")).click()
    expect(page).to_have_url(url + "/distribution/")
    expect(page.locator(".earn-big")).to_have_text("0.00")
    expect(figure(page, "冻结中")).to_have_text("0.00")
    sharer = Member.objects.get(openid="o_emu_xiaoming")

    # The poster page: the poster image arrives whole, and the link can be copied.
    page.get_by_role("link", name="推广海报与链接").click()
    expect(page).to_have_url(url + "/distribution/poster/")
    poster = page.get_by_role("img", name="我的推广海报")
    expect(poster).to_be_visible()
    page.wait_for_function("() => { const img = document.querySelector('img.poster'); return img.complete && img.naturalWidth > 0; }")
    assert poster.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [750, 1334]
    assert serious_accessibility_violations(page) == []
    link_field = page.get_by_label("推广链接")
    link = link_field.input_value()
    assert link == f"{url}/?ref={sharer.referral_code}&src=poster"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page.get_by_role("button", name="复制").click()
    expect(page.locator("#toast")).to_have_text("链接已复制")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # A friend opens the link in their own WeChat (another browser), logs in and buys.
    friend = phone_context(browser).new_page()
    friend.set_default_timeout(15000)
    friend_errors = watch(friend)
    friend.goto(link)
    friend.get_by_text("纯棉短袖T恤").first.click()
    expect(friend).to_have_url(f"{url}/products/{shirt.pk}/")
    friend.wait_for_load_state("networkidle")  # the sheet opens only once the page's script is bound
    friend.get_by_role("button", name="立即购买").click()
    friend.locator(".spec-values button[data-value='白']").click()
    friend.locator(".spec-values button[data-value='M']").click()
    friend.locator("[data-confirm]").click()
    expect(friend).to_have_url(re.compile(r"/wx-emulator/oauth/authorize\?"))
    friend.get_by_role("button", name=re.compile("小红")).click()
    expect(friend).to_have_url(re.compile(r"/checkout/\?sku=\d+&qty=1"))
    buyer = Member.objects.get(openid="o_emu_xiaohong")
    referral = Referral.objects.get(member=buyer)
    assert (referral.referrer, referral.source) == (sharer, Referral.Source.POSTER)

    friend.get_by_text("添加收货地址").click()
    friend.get_by_label("收货人").fill("小红")
    friend.get_by_label("手机号").fill("13912345678")
    friend.get_by_label("省份").select_option("上海市")
    friend.get_by_label("城市").select_option("上海市")
    friend.get_by_label("区县").select_option("浦东新区")
    friend.get_by_label("详细地址").fill("世纪大道 100 号")
    friend.get_by_role("button", name="保存").click()
    expect(friend.locator(".addr-card .where")).to_contain_text("世纪大道 100 号")
    friend.wait_for_load_state("networkidle")  # as on the product page: the button works once the script is bound
    friend.get_by_role("button", name="提交订单").click()
    expect(friend).to_have_url(re.compile(r"/wx-emulator/pay/cashier/"))
    expect(friend.locator(".amount")).to_have_text("¥89.00")  # 79.00 and 10.00 shipping (free only from 99)
    friend.get_by_role("button", name=re.compile("确认支付")).click()
    expect(friend).to_have_url(re.compile(r"/orders/\d{24}/$"))
    expect(friend.locator(".status-hero h2")).to_have_text("待发货")
    order = Order.objects.get(member=buyer)
    assert (order.status, order.pay_fen, order.shipping_fen) == (OrderStatus.PAID, 8900, 1000)

    # The commission is earned as the payment lands: 10% of the goods (not the shipping), frozen.
    commission = Commission.objects.get(order=order)
    assert (commission.beneficiary, commission.level, commission.base_fen, commission.rate_bp, commission.net_fen, commission.status) == (
        sharer, 1, 7900, 1000, 790, CommissionStatus.FROZEN)
    page.goto(url + "/distribution/commissions/")
    card = page.locator(".order-card", has_text=order.number)
    expect(card.locator(".status")).to_have_text("冻结中")
    expect(card.locator(".price")).to_have_text("¥7.90")
    assert serious_accessibility_violations(page) == []
    snap(page, "commissions")
    page.goto(url + "/distribution/")
    expect(figure(page, "冻结中")).to_have_text("7.90")
    expect(page.locator(".earn-big")).to_have_text("0.00")
    expect(page.get_by_role("link", name=re.compile("我的团队"))).to_contain_text("1 人")

    # The parcel goes out; the friend confirms receipt; the after-sales window closes and
    # the scheduler's settlement job runs.
    order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=Member.objects.get(username="desk"))
    friend.reload()
    expect(friend.locator(".status-hero h2")).to_have_text("已发货")
    friend.once("dialog", lambda dialog: dialog.accept())
    friend.locator(".actionbar").get_by_role("button", name="确认收货").click()
    expect(friend.locator(".status-hero h2")).to_have_text("已完成")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    call_command("release_due_commissions")
    assert Commission.objects.get(pk=commission.pk).status == CommissionStatus.FROZEN  # the window is still open
    Order.objects.filter(pk=order.pk).update(after_sales_deadline=timezone.now() - timedelta(seconds=1))
    call_command("release_due_commissions")
    assert Commission.objects.get(pk=commission.pk).status == CommissionStatus.AVAILABLE

    page.goto(url + "/distribution/commissions/")
    expect(card.locator(".status")).to_have_text("可提现")
    page.goto(url + "/distribution/")
    expect(page.locator(".earn-big")).to_have_text("7.90")
    expect(figure(page, "冻结中")).to_have_text("0.00")
    assert serious_accessibility_violations(page) == []
    snap(page, "sharer-center")

    # The sharer withdraws 5 yuan of it to their WeChat wallet.
    page.get_by_role("link", name="去提现").click()
    expect(page).to_have_url(url + "/distribution/withdraw/")
    page.wait_for_load_state()  # measured below: with its stylesheet, not before it arrives
    page.get_by_label("提现金额").fill("5")
    expect(page.get_by_label("微信零钱")).to_be_checked()
    for channel in ("微信零钱", "商城余额"):  # a 44 px tap area, the words beside the radio's middle
        choice = page.locator("#withdraw-form label", has_text=channel)
        radio, words = choice.evaluate(RADIO_AND_WORDS)
        assert choice.bounding_box()["height"] >= 44 and abs(radio - words) <= 3, (channel, radio, words)
    page.get_by_role("button", name="申请提现").click()
    expect(page.locator("#toast")).to_have_text("提现申请已提交")
    expect(page.locator(".panel .kv", has_text="¥5.00")).to_contain_text("待审核")
    assert serious_accessibility_violations(page) == []
    snap(page, "withdraw")
    withdrawal = Withdrawal.objects.get(member=sharer)
    assert (withdrawal.amount_fen, withdrawal.fee_fen, withdrawal.channel, withdrawal.status) == (500, 0, "wechat", WithdrawalStatus.PENDING)
    assert balances(member=sharer) == {"frozen_fen": 0, "available_fen": 290, "withdrawing_fen": 500, "withdrawn_fen": 0}

    # The operator approves it in the back office, through the page that shows the money.
    admin = desk
    admin.goto(url + "/admin/distribution/withdrawal/")
    row = admin.locator("#result_list tbody tr", has_text=withdrawal.number)
    expect(row).to_contain_text("待审核")
    row.locator("input.action-select").check()
    admin.locator("select[name=action]").select_option("approve")
    admin.locator("button[name=index]").click()
    expect(admin.get_by_text("确认同意提现并打款").first).to_be_visible()
    admin.get_by_role("button", name="确认打款 ¥5.00").click()
    expect(admin.get_by_text("已处理 1 笔")).to_be_visible()
    expect(admin.locator("#result_list tbody tr", has_text=withdrawal.number)).to_contain_text("已到账")

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID and withdrawal.paid_at is not None
    transfer = MchTransfer.objects.get()
    assert (transfer.openid, transfer.amount) == (sharer.openid, 500)
    assert balances(member=sharer) == {"frozen_fen": 0, "available_fen": 290, "withdrawing_fen": 0, "withdrawn_fen": 500}

    # The sharer sees the money arrived and what is left.
    page.reload()
    expect(page.locator(".panel .kv", has_text="¥5.00")).to_contain_text("已到账")
    expect(page.locator("#withdraw-form .price")).to_have_text("¥2.90")
    page.goto(url + "/distribution/")
    expect(page.locator(".earn-big")).to_have_text("2.90")
    expect(figure(page, "已提现")).to_have_text("5.00")
    expect(figure(page, "提现中")).to_have_text("0.00")

    friend.wait_for_load_state("networkidle")
    friend.context.close()
    assert not friend_errors, friend_errors
