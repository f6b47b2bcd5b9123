"""A newcomer plays every campaign in Chromium at phone size — checks in, spins the wheel
(which stops with the prize won under its pointer), grabs a red packet, claims a coupon —
and pays less with the coupon at checkout."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Spin
from mall.models import Address, Coupon, Order
from members.models import Member
from tests.campaigns.test_checkin import checkin_campaign
from tests.campaigns.test_red_packets import make_packet
from tests.campaigns.test_wheel import THANKS, make_wheel
from tests.e2e.conftest import snap
from tests.factories import SKUFactory
from tests.mall.test_coupons import template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# What a person sees once the wheel stops: which prize sits under the pointer, found twice
# from what the browser rendered — from the disc's final rotation and the segments of its
# conic-gradient (clockwise from the top, as the page paints them), and from which prize
# label's rendered centre is nearest the pointer.
UNDER_POINTER = """() => {
    const disc = document.querySelector("[data-disc]");
    const box = disc.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    const bearing = (x, y) => (Math.atan2(x - cx, cy - y) * 180 / Math.PI + 360) % 360;
    const tip = document.querySelector(".wheel-arrow").getBoundingClientRect();
    const pointer = bearing(tip.left + tip.width / 2, tip.top);
    const m = new DOMMatrixReadOnly(getComputedStyle(disc).transform);
    const turned = (Math.atan2(m.b, m.a) * 180 / Math.PI + 360) % 360;
    const under = (pointer - turned + 360) % 360;
    const edges = [...new Set([...getComputedStyle(disc).backgroundImage.matchAll(/([\\d.]+)deg/g)].map((x) => Number(x[1])))]
        .sort((a, b) => a - b);
    const segment = edges.filter((edge) => edge <= under).length - 1;
    const labels = [...disc.querySelectorAll(".wheel-slot")];
    const names = labels.map((label) => label.querySelector("span").textContent);
    const off = labels.map((label) => {
        const r = label.getBoundingClientRect();
        return Math.abs(((bearing(r.left + r.width / 2, r.top + r.height / 2) - pointer + 540) % 360) - 180);
    });
    const nearest = off.indexOf(Math.min(...off));
    return {
        pointer, segments: edges.length - 1, by_rotation: names[segment], by_label: names[nearest],
        label_off: off[nearest], edge_margin: Math.min(under - edges[segment], edges[segment + 1] - under),
    };
}"""


def assert_wheel_stopped_on(page, prize_name: str) -> None:
    """The wheel stands still with `prize_name`'s segment, and its label, under the pointer
    (well inside the segment, not on a line between two)."""
    page.wait_for_function("document.querySelector('[data-disc]').getAnimations().length === 0")
    seen = page.evaluate(UNDER_POINTER)
    slot = 360 / seen["segments"]
    assert seen["pointer"] < 1 or seen["pointer"] > 359, seen  # the pointer is at twelve o'clock
    assert seen["by_rotation"] == seen["by_label"] == prize_name, seen
    assert seen["label_off"] < slot / 2 and seen["edge_margin"] > slot * 0.1, seen


# Four slots of different names; the server draws 20 积分 (the third) all but surely, so the
# rest of the journey can count on its points.
WHEEL_PRIZES = [
    {"name": "5 积分", "kind": "points", "points": 5},
    THANKS,
    {"name": "20 积分", "kind": "points", "points": 20, "weight": 1_000_000},
    {"name": "50 积分", "kind": "points", "points": 50},
]


@pytest.fixture
def campaigns():
    checkin_campaign(daily=10)
    return {
        "wheel": make_wheel(*WHEEL_PRIZES),
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
    # Today's square now says so to a screen reader too, in words matching what it shows.
    expect(page.get_by_role("group", name="本月签到日历").get_by_role("button", name=re.compile(r"日 今天 已签到$"))).to_have_count(1)
    expect(page.locator("#toast")).not_to_have_class(re.compile(r"\bshow\b"))
    snap(page, "checkin")

    # The wheel stops on the prize the server drew, and says where it went.
    page.goto(url + f"/wheels/{campaigns['wheel'].pk}/")
    expect(page.locator(".wheel-slot span")).to_have_text([prize["name"] for prize in WHEEL_PRIZES])
    page.get_by_role("button", name="抽奖").click()
    expect(page.locator("[data-result-title]")).to_have_text("恭喜你抽中「20 积分」", timeout=20000)
    won = Spin.objects.get(wheel=campaigns["wheel"]).prize
    assert won.name == "20 积分"
    assert_wheel_stopped_on(page, won.name)
    expect(page.locator("[data-left]")).to_have_text("2")
    snap(page, "wheel")

    # The red packet opens to a fifth of it, in store balance.
    page.goto(url + f"/red-packets/{campaigns['packet'].pk}/")
    page.locator("[data-grab]").click()
    expect(page.locator("[data-amount]")).to_have_text("1.00")
    expect(page.locator("[data-where]")).to_contain_text("余额")
    snap(page, "red-packet")

    # The coupon centre gives the coupon once.
    page.goto(url + "/coupons/center/")
    page.locator(f"[data-claim='{campaigns['coupon'].pk}']").click()
    expect(page.locator(".coupon-stamp")).to_have_text("已领取")
    snap(page, "coupon-center")

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
