"""The address form at phone size: 省 / 市 / 区 picked from the region data, and a pasted
address recognised into the form's fields for the shopper to check."""

import pytest
from playwright.sync_api import expect

from mall.models import Address
from tests.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIELDS = ("name", "phone", "province", "city", "district", "detail")


def log_in(page, live_server, openid, next_path):
    page.goto(live_server.url + f"/wechat/login/?next={next_path}")
    page.goto(page.url + f"&openid={openid}&nickname=收货人")
    expect(page).to_have_url(live_server.url + next_path)


PASTED = [
    ("张三 13800138000 广东省深圳市南山区科技园路 1 号", ("张三", "13800138000", "广东省", "深圳市", "南山区", "科技园路 1 号")),
    # Any order, no suffixes, a phone written in groups.
    ("广东深圳南山科技园路1号 张三 138 0013 8000", ("张三", "13800138000", "广东省", "深圳市", "南山区", "科技园路1号")),
    ("13912345678，上海浦东新区世纪大道 100 号，王五", ("王五", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道 100 号")),
    # The labels of a copied WeChat address card; the city alone tells the province.
    ("收货人：李四\n手机号码：+86 139-1234-5678\n所在地区：深圳市福田区\n详细地址：深南大道 6008 号",
     ("李四", "13912345678", "广东省", "深圳市", "福田区", "深南大道 6008 号")),
    ("北京市朝阳区建国路 88 号 赵六 13700001111", ("赵六", "13700001111", "北京市", "北京市", "朝阳区", "建国路 88 号")),
    ("随便写点什么", ("", "", "", "", "", "随便写点什么")),
]


def test_the_parser_reads_a_pasted_address(phone, live_server):
    page = phone
    log_in(page, live_server, "o_parse", "/addresses/new/")
    expect(page.get_by_label("省份").locator("option")).to_have_count(32)  # the region data is in
    # One page for every case: parseAddress is a pure function of the text and the data.
    found = page.evaluate(
        "async (texts) => { const { parseAddress, loadRegions } = window.MicromallRegion;"
        " const regions = await loadRegions(document.getElementById('address-form').dataset.regions);"
        " return texts.map((text) => parseAddress(text, regions)); }", [text for text, _ in PASTED])
    assert [tuple(one[field] for field in FIELDS) for one in found] == [expected for _, expected in PASTED]


def test_a_pasted_address_fills_the_form_and_saves(phone, live_server):
    page = phone
    log_in(page, live_server, "o_paste", "/addresses/new/")
    expect(page.get_by_label("省份").locator("option")).to_have_count(32)
    page.get_by_placeholder("粘贴整段地址，自动识别").fill("张三 13800138000 广东省深圳市南山区科技园路 1 号")
    page.get_by_role("button", name="识别").click()
    expect(page.locator("#toast")).to_have_text("已识别，请核对后保存")
    expect(page.locator("#f-name")).to_have_value("张三")
    expect(page.get_by_label("城市")).to_have_value("深圳市")
    expect(page.get_by_label("区县")).to_have_value("南山区")
    # The person checks and corrects: another district of the same city.
    page.get_by_label("区县").select_option("福田区")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(live_server.url + "/addresses/")
    address = Address.objects.get(member__openid="o_paste")
    assert tuple(getattr(address, field) for field in FIELDS) == (
        "张三", "13800138000", "广东省", "深圳市", "福田区", "科技园路 1 号")


def test_an_address_typed_before_the_picker_keeps_its_region(phone, live_server):
    member = MemberFactory(openid="o_old")
    address = Address.objects.create(member=member, name="老王", phone="13800138000", province="广东", city="深圳",
                                     district="某新区", detail="老地址 1 号")
    page = phone
    log_in(page, live_server, "o_old", f"/addresses/{address.pk}/edit/")
    # 「广东」 and 「深圳」 are the picker's 广东省 and 深圳市; a district it does not know stays.
    expect(page.get_by_label("省份")).to_have_value("广东省")
    expect(page.get_by_label("城市")).to_have_value("深圳市")
    expect(page.get_by_label("区县")).to_have_value("某新区")
    page.get_by_label("省份").select_option("浙江省")
    expect(page.get_by_label("城市")).to_have_value("")
    expect(page.get_by_label("区县").locator("option")).to_have_count(1)
