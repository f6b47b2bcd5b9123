"""Animations off (iOS 「减弱动态效果」, Android 「移除动画」): a shopper who asked the phone
for less motion still plays the wheel and the red packet — the wheel is set straight on the
prize won, nothing spins or pops, and the result is there at once."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import PacketShare, Spin
from members.models import Member
from tests.campaigns.test_red_packets import make_packet
from tests.campaigns.test_wheel import THANKS, make_wheel
from tests.e2e.conftest import phone_context, watched_page
from tests.e2e.test_campaign_journey import assert_wheel_stopped_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# ms from the server's answer to the result on screen (the spinning wheel takes about five
# seconds); counted from the answer so that a slow server on a busy machine is not blamed.
PROMPTLY = 1000

# What is moving on an element right now, as the browser runs it.
MOTION = """(selector) => {
    const el = document.querySelector(selector);
    const style = getComputedStyle(el);
    return {transition: style.transitionDuration, animation: style.animationName, running: el.getAnimations().length};
}"""


@pytest.fixture
def still_phone(browser, live_server, settings):
    """A phone page that asks for reduced motion, failing the test on any script error."""
    settings.SITE_URL = live_server.url
    yield from watched_page(phone_context(browser, reduced_motion="reduce"))


def test_the_wheel_shows_the_prize_at_once_without_spinning(still_phone, live_server):
    # The prize drawn all but surely is the last slot, a quarter turn back from where the disc starts.
    wheel = make_wheel(
        {"name": "5 积分", "kind": "points", "points": 5}, THANKS, {"name": "8 积分", "kind": "points", "points": 8},
        {"name": "30 积分", "kind": "points", "points": 30, "weight": 1_000_000},
    )
    page = still_phone
    page.goto(live_server.url + f"/wheels/{wheel.pk}/")
    page.get_by_role("button", name=re.compile("小明")).click()
    expect(page).to_have_url(live_server.url + f"/wheels/{wheel.pk}/")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")

    with page.expect_response(lambda response: response.url.endswith("/spin") and response.request.method == "POST"):
        page.get_by_role("button", name="抽奖").click()
    expect(page.locator("[data-result-title]")).to_have_text("恭喜你抽中「30 积分」", timeout=PROMPTLY)
    assert page.evaluate(MOTION, "[data-disc]") == {"transition": "0s", "animation": "none", "running": 0}
    won = Spin.objects.get(wheel=wheel, member__nickname="小明").prize
    assert_wheel_stopped_on(page, won.name)
    assert Member.objects.get(nickname="小明").points == 30


def test_the_red_packet_opens_without_its_animation(still_phone, live_server):
    packet = make_packet(total_fen=300, shares=3, split="equal")
    page = still_phone
    page.goto(live_server.url + f"/red-packets/{packet.pk}/")
    page.get_by_role("button", name=re.compile("小明")).click()
    expect(page).to_have_url(live_server.url + f"/red-packets/{packet.pk}/")

    opener = page.get_by_role("button", name="开红包")
    assert page.evaluate(MOTION, "[data-grab]")["animation"] == "none"
    with page.expect_response(lambda response: response.url.endswith("/grab") and response.request.method == "POST"):
        opener.click()
    expect(page.locator("[data-amount]")).to_have_text("1.00", timeout=PROMPTLY)
    assert page.evaluate(MOTION, ".rp-amount") == {"transition": "0s", "animation": "none", "running": 0}
    expect(page.locator("[data-where]")).to_contain_text("余额")
    assert PacketShare.objects.get(packet=packet, member__nickname="小明").amount_fen == 100
