"""A newcomer plays every campaign in Chromium at phone size — checks in, spins the wheel,
grabs a red packet, claims a coupon — and pays less with the coupon at checkout."""

import re

import pytest
from playwright.sync_api import expect

from mall.models import Address, Coupon, Order
from members.models import Member
from tests.campaigns.test_checkin import checkin_campaign
from tests.campaigns.test_red_packets import make_packet
from tests.campaigns.test_wheel import make_wheel
from tests.factories import SKUFactory
from tests.mall.test_coupons import template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaigns():
    checkin_campaign(daily=10)
    return {
        "wheel": make_wheel({"name": "20 积分", "kind": "points", "points": 20}),
        "packet": make_packet(total_fen=500, shares=5, split="equal"),
        "coupon": template(title="新人无门槛 5 元券", amount_fen=500, threshold_fen=0, per_member_limit=1),
        "sku": SKUFactory(price_fen=3900, stock=10),
    }


def test_a_newcomer_checks_in_spins_grabs_claims_and_pays_less(phone, live_server, campaigns):
    page, url = phone, live_server.url

    # Check in (logging in through the emulator first).
    page.goto(url + "/checkin/")
    page.get_by_role("button", name=re.compile("小明")).click()
    expect(page).to_have_url(url + "/checkin/")
    page.locator("[data-checkin]").click()
    expect(page.locator("[data-checkin]")).to_have_text("今日已签到")
    expect(page.locator("[data-streak]")).to_have_text("1")
    expect(page.locator("[data-points]")).to_have_text("10")

    # The wheel stops on the only prize and says where it went.
    page.goto(url + f"/wheels/{campaigns['wheel'].pk}/")
    page.locator("[data-spin]").click()
    expect(page.locator("[data-result-title]")).to_have_text("恭喜你抽中「20 积分」", timeout=20000)
    expect(page.locator("[data-left]")).to_have_text("2")

    # The red packet opens to a fifth of it, in store balance.
    page.goto(url + f"/red-packets/{campaigns['packet'].pk}/")
    page.locator("[data-grab]").click()
    expect(page.locator("[data-amount]")).to_have_text("1.00")
    expect(page.locator("[data-where]")).to_contain_text("余额")

    # The coupon centre gives the coupon once.
    page.goto(url + "/coupons/center/")
    page.locator(f"[data-claim='{campaigns['coupon'].pk}']").click()
    expect(page.locator(".coupon-stamp")).to_have_text("已领取")

    # Checkout offers it first, and the cashier asks 5 yuan less.
    member = Member.objects.get(nickname="小明")
    Address.objects.create(member=member, name="小明", phone="13800138000", province="广东", city="深圳", district="南山区", detail="科技园 1 号")
    page.goto(url + f"/checkout/?sku={campaigns['sku'].pk}&qty=1")
    expect(page.locator("#coupon option:checked")).to_contain_text("省 ¥5.00")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/wx-emulator/pay/cashier/"))
    order = Order.objects.get(member=member)
    assert order.discount_fen == 500 and Coupon.objects.get(order=order).template == campaigns["coupon"]
    expect(page.locator(".amount")).to_have_text(f"¥{order.pay_fen / 100:.2f}")
    assert member.points_entries.count() == 2 and Member.objects.get(pk=member.pk).points == 30
