"""After-sales as a shopper and the operator live it: the parcel arrives and the shopper
confirms receipt on the phone; asks for part of the money back for one item (仅退款), the
operator agrees on the refund's confirmation page and WeChat Pay sends the money back;
then returns the other item with a photo (退货退款), the operator agrees, confirms the
parcel came back, and that money lands too.

The money moves as in production: approving queues `submit_refund` (Celery, inline in
the tests), which asks WeChat Pay — here the emulator — to refund; the emulator's
`complete_refund` task pays out and sends WeChat's encrypted refund notification back to
the shop, and only that notification marks the refund 已退款."""

import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect
from rest_framework.test import APIClient

from mall.models import Carrier, Order, OrderStatus, Refund, RefundStatus, RefundType
from mall.services.fulfilment import order_ship
from tests.e2e.conftest import snap
from tests.factories import MemberFactory, ProductImageFactory, SKUFactory, png_bytes
from tests.journeys import ADDRESS, pay_at_cashier
from wechat.emulator.models import Delivery, MchRefund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shipped_order_of_two_items() -> Order:
    """棉袜 ×2 (¥30 each) and a 围巾 (¥50), paid at the emulator's cashier (¥110, free
    shipping from ¥99) and shipped by SF."""
    shopper = MemberFactory(openid="o_aftersales", nickname="售后买家")
    api = APIClient()
    api.force_login(shopper)
    socks = SKUFactory(price_fen=3000, stock=10, product__title="棉袜", spec={"颜色": "灰"})
    scarf = SKUFactory(price_fen=5000, stock=10, product__title="围巾", spec={"颜色": "驼色"})
    for sku, colour in ((socks, (150, 152, 156)), (scarf, (193, 154, 107))):
        ProductImageFactory(product=sku.product, image=ContentFile(png_bytes((400, 400), colour), name="photo.png"),
                            thumbnail=ContentFile(png_bytes((200, 200), colour), name="thumb.png"))
    response = api.post("/api/v1/orders", {"lines": [{"sku_id": socks.pk, "quantity": 2}, {"sku_id": scarf.pk, "quantity": 1}],
                                           "address": ADDRESS}, format="json")
    assert response.status_code == 201, response.json()
    order = pay_at_cashier(api, Order.objects.get(number=response.json()["number"]))
    assert order.status == OrderStatus.PAID and order.pay_fen == 11000
    return order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=MemberFactory(is_staff=True, openid=None))


def choose_action(page, label: str) -> None:
    """Tick the first row of the admin list, pick the action, run it."""
    page.locator("#result_list tbody tr").first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=label)
    page.locator("button[name=index]").click()


def test_receipt_a_partial_refund_then_a_return_with_a_photo(phone, desk, live_server, tmp_path):
    order = shipped_order_of_two_items()
    number = order.number
    socks_line, scarf_line = order.lines.order_by("id")

    # The parcel is here: the shopper confirms receipt on the order page.
    page = phone
    page.goto(live_server.url + f"/wechat/login/?next=/orders/{number}/")
    page.goto(page.url + "&openid=o_aftersales&nickname=售后买家")
    expect(page).to_have_url(live_server.url + f"/orders/{number}/")
    expect(page.locator(".status-hero h2")).to_have_text("已发货")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".actionbar").get_by_role("button", name="确认收货").click()
    expect(page.locator(".status-hero h2")).to_have_text("已完成")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.completed_at and order.after_sales_deadline

    # One pair of socks had a hole: part of the money back, no return (仅退款).
    page.locator(".actionbar").get_by_role("link", name="申请售后").click()
    expect(page).to_have_url(live_server.url + f"/orders/{number}/refund/")
    expect(page.get_by_label("仅退款")).to_be_checked()
    for option in page.locator(".refund-option").all():  # each choice spans the panel, to read and to tap
        box = option.bounding_box()
        assert box["width"] >= 300 and 44 <= box["height"] <= 80, (
            f"{option.inner_text()!r} is laid out {box['width']:.0f}×{box['height']:.0f} px: squeezed beside the floated "
            "legend (static/css/app.css: .refund-option needs clear: both)"
        )
    amount = page.get_by_label("退款金额")
    page.get_by_label("退 棉袜").check()
    expect(amount).to_have_value("60.00")
    page.get_by_label("棉袜 退货数量").fill("1")
    expect(amount).to_have_value("30.00")
    expect(page.locator("[data-cap]")).to_have_text("¥30.00")
    page.get_by_label("退款原因").select_option("收到商品破损")
    amount.fill("45.00")  # more than the one pair paid: refused on the phone, nothing is sent
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("请输入 0.01 到 30.00 之间的金额")).to_be_visible()
    assert not Refund.objects.exists()
    amount.fill("30.00")
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(live_server.url + f"/orders/{number}/")
    expect(page.get_by_text("仅退款 ¥30.00")).to_be_visible()
    expect(page.locator(".status-hero h2")).to_have_text("退款中")

    first = Refund.objects.get()
    assert (first.refund_type, first.amount_fen, first.reason, first.status) == (RefundType.REFUND_ONLY, 3000, "收到商品破损", RefundStatus.REQUESTED)
    assert [(line.order_line_id, line.quantity) for line in first.lines.all()] == [(socks_line.pk, 1)]

    # The operator agrees, on the page that names the amount before any money moves.
    admin = desk
    admin.goto(live_server.url + "/admin/mall/refund/?status__exact=requested")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    choose_action(admin, "同意退款（通过微信支付原路退回）…")
    expect(admin.get_by_role("heading", name="确认同意退款")).to_be_visible()
    expect(admin.get_by_role("row", name=number)).to_contain_text("仅退款：棉袜 灰 × 1")  # what the money is for
    first.refresh_from_db()
    assert first.status == RefundStatus.REQUESTED  # the confirmation page moves nothing
    admin.get_by_role("button", name="确认退款 ¥30.00").click()
    expect(admin.get_by_text("已同意 1 个")).to_be_visible()

    # The money landed: WeChat (the emulator) refunded and its notification was accepted.
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == RefundStatus.REFUNDED and first.refunded_at and first.wechat_refund_id
    assert MchRefund.objects.get(out_refund_no=first.out_refund_no).refund_fee == 3000
    assert Delivery.objects.get(kind="refund", reference=first.out_refund_no).accepted
    assert (order.status, order.refunded_fen) == (OrderStatus.COMPLETED, 3000)

    page.reload()
    expect(page.locator(".status-hero h2")).to_have_text("已完成")
    refunded_row = page.locator(".sum-row", has_text="已退")
    expect(refunded_row).to_have_text(re.compile(r"已退\s*¥30\.00"))
    expect(page.get_by_text("仅退款 ¥30.00")).to_be_visible()
    snap(page, "order")
    page.goto(live_server.url + "/orders/")
    expect(page.locator(".order-card", has_text=number).locator(".sum")).to_contain_text("实付 ¥110.00 · 已退 ¥30.00")

    # The scarf goes back, with a photo of it (退货退款).
    picture = tmp_path / "scarf.png"
    Image.new("RGB", (1600, 1200), "peru").save(picture)
    page.goto(live_server.url + f"/orders/{number}/")
    page.locator(".actionbar").get_by_role("link", name="申请售后").click()
    expect(page.locator(".refund-item", has_text="棉袜")).to_contain_text("可退 1 件")  # the pair refunded is not offered again
    page.get_by_label("退货退款").check()
    page.get_by_label("退 围巾").check()
    expect(amount).to_have_value("50.00")
    page.get_by_label("退款原因").select_option("商品与描述不符")
    page.locator("input[name=photos]").set_input_files(str(picture))
    expect(page.get_by_role("button", name="删除第 1 张图片")).to_be_visible()
    page.get_by_label("补充说明").fill("颜色和图片不一样，吊牌还在")
    snap(page, "refund")
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(live_server.url + f"/orders/{number}/")
    expect(page.get_by_text("退货退款 ¥50.00")).to_be_visible()

    second = Refund.objects.exclude(pk=first.pk).get()
    assert (second.refund_type, second.amount_fen, second.status) == (RefundType.RETURN_AND_REFUND, 5000, RefundStatus.REQUESTED)
    assert [(line.order_line_id, line.quantity) for line in second.lines.all()] == [(scarf_line.pk, 1)]
    assert second.photos.count() == 1 and second.note == "颜色和图片不一样，吊牌还在"

    # Agreeing to a return sends no money yet: the scarf has to come back first.
    admin.goto(live_server.url + "/admin/mall/refund/?status__exact=requested")
    choose_action(admin, "同意退款（通过微信支付原路退回）…")
    admin.get_by_role("button", name="确认退款 ¥50.00").click()
    expect(admin.get_by_text("已同意 1 个")).to_be_visible()
    second.refresh_from_db()
    assert second.status == RefundStatus.RETURNING and not MchRefund.objects.filter(out_refund_no=second.out_refund_no).exists()
    page.reload()
    expect(page.get_by_text("已同意，待买家退货")).to_be_visible()

    # The parcel is back: the operator confirms it on its own page, with the return's tracking number.
    admin.goto(live_server.url + "/admin/mall/refund/?status__exact=returning")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    choose_action(admin, "确认收到退货并退款…")
    expect(admin.get_by_role("heading", name="确认收到退货")).to_be_visible()
    returning = admin.get_by_role("listitem").filter(has_text=f"{number} · ¥50.00")
    expect(returning).to_contain_text("退货退款：围巾 驼色 × 1")  # what the parcel should hold
    admin.get_by_label("退货快递单号（选填）").fill("YT9876543210")
    admin.get_by_role("button", name="确认收货并退款").click()
    expect(admin.get_by_text("已确认收货并退款 1 个")).to_be_visible()

    second.refresh_from_db()
    order.refresh_from_db()
    assert second.status == RefundStatus.REFUNDED and second.return_tracking_number == "YT9876543210"
    assert Delivery.objects.get(kind="refund", reference=second.out_refund_no).accepted
    assert (order.status, order.refunded_fen) == (OrderStatus.COMPLETED, 8000)

    page.reload()
    expect(page.locator(".sum-row", has_text="已退")).to_have_text(re.compile(r"已退\s*¥80\.00"))
    expect(page.get_by_text("退货退款 ¥50.00")).to_be_visible()
