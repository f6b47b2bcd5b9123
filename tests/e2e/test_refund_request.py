"""The refund request at phone size: the items ticked set the amount, a photo taken on
the phone is shrunk and sent, and the request arrives as a 退货退款 for those items."""


import pytest
from PIL import Image
from playwright.sync_api import expect
from rest_framework.test import APIClient

from mall.models import Carrier, Order, Refund, RefundType
from mall.services.fulfilment import order_ship
from tests.factories import MemberFactory, SKUFactory
from tests.journeys import ADDRESS, pay_at_cashier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_return_of_some_items_with_a_photo(phone, live_server, tmp_path):
    member = MemberFactory(openid="o_returns")
    api = APIClient()
    api.force_login(member)
    cheap, dear = SKUFactory(price_fen=3000, product__title="棉袜"), SKUFactory(price_fen=5000, product__title="围巾")
    number = api.post("/api/v1/orders", {"lines": [{"sku_id": cheap.pk, "quantity": 2}, {"sku_id": dear.pk, "quantity": 1}],
                                         "address": ADDRESS}, format="json").json()["number"]
    order = pay_at_cashier(api, Order.objects.get(number=number))
    order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=MemberFactory(is_staff=True, openid=None))
    picture = tmp_path / "parcel.png"
    Image.new("RGB", (2400, 1800), "orange").save(picture)

    page = phone
    page.goto(live_server.url + f"/wechat/login/?next=/orders/{number}/refund/")
    page.goto(page.url + "&openid=o_returns")
    amount = page.get_by_label("退款金额")
    expect(amount).to_have_value("0.00")
    page.get_by_label("退货退款").check()
    page.get_by_label("退 棉袜").check()
    expect(amount).to_have_value("60.00")  # both pairs, what they paid
    page.get_by_label("棉袜 退货数量").fill("1")
    expect(amount).to_have_value("30.00")
    page.get_by_label("退 围巾").check()
    expect(amount).to_have_value("80.00")
    page.get_by_label("退 围巾").uncheck()
    box = page.locator(".refund-pick").first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.locator("input[name=photos]").set_input_files(str(picture))
    expect(page.get_by_role("button", name="删除第 1 张图片")).to_be_visible()
    page.get_by_label("补充说明").fill("一双脱线了")
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(live_server.url + f"/orders/{number}/")
    expect(page.get_by_text("退货退款 ¥30.00")).to_be_visible()

    refund = Refund.objects.get()
    assert (refund.refund_type, refund.amount_fen, refund.note) == (RefundType.RETURN_AND_REFUND, 3000, "一双脱线了")
    assert [(line.order_line.sku_id, line.quantity) for line in refund.lines.all()] == [(cheap.pk, 1)]
    with Image.open(refund.photos.get().image) as stored:
        assert (stored.format, max(stored.size)) == ("JPEG", 1280)  # shrunk on the phone
