"""A member fills in their profile at phone size (我的 → 个人资料): the API's message shows
beside the field it is about, and a good save lands on the member."""

import re

import pytest
from playwright.sync_api import expect

from members.models import Member, ProfileAttribute

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_fills_in_the_profile(phone, live_server):
    ProfileAttribute.objects.create(key="skin_type", label="肤质", kind="choice", choices=["干性", "油性"], position=1)
    ProfileAttribute.objects.create(key="height_cm", label="身高", kind="number", unit="cm", min_value=100, max_value=230, position=2)
    ProfileAttribute.objects.create(key="vip", label="会员卡", kind="boolean", position=3)
    page, url = phone, live_server.url

    page.goto(url + "/me/")
    page.get_by_role("button", name=re.compile("小明")).click()
    page.get_by_role("link", name=re.compile("个人资料")).click()
    page.locator("#f-gender").select_option(label="女")
    page.get_by_label("省份").fill("广东")
    page.get_by_label("城市").fill("深圳")
    page.locator("#f-phone").fill("123")
    page.locator("#a-skin_type").select_option("油性")
    page.locator("#a-height_cm").fill("999")
    page.locator(".switch").click()
    page.get_by_role("button", name="保存").click()
    expect(page.locator('[data-error-for="phone"]')).to_have_text("请输入 11 位手机号")

    page.locator("#f-phone").fill("13800138000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator('[data-error-for="attributes.height_cm"]')).to_have_text("不能大于 230cm")
    expect(page.locator('[data-error-for="phone"]')).to_have_text("")
    page.screenshot(path="/tmp/profile-page.png", full_page=True)

    page.locator("#a-height_cm").fill("168")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#toast")).to_have_text("已保存")
    member = Member.objects.get(phone="13800138000")
    assert (member.gender, member.province, member.city) == (2, "广东", "深圳")
    assert member.attributes == {"skin_type": "油性", "height_cm": 168, "vip": True}
