"""The cart's ticks at phone size: 全选 and each line's checkbox drive the total and
去结算, and checking out orders only the ticked line, which then leaves the cart."""

import re

import pytest
from playwright.sync_api import expect

from mall.models import CartItem, Order
from tests.factories import AddressFactory, CartItemFactory, MemberFactory, SKUFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_ticked_lines_make_the_total_and_the_order(phone, live_server):
    member = MemberFactory(openid="o_ticks")
    AddressFactory(member=member, is_default=True)
    CartItemFactory(member=member, sku=SKUFactory(price_fen=12000, product__title="羊毛围巾"), quantity=1)
    CartItemFactory(member=member, sku=SKUFactory(price_fen=3000, product__title="棉袜"), quantity=2)
    page = phone
    page.goto(live_server.url + "/wechat/login/?next=/cart/")
    page.goto(page.url + "&openid=o_ticks")
    expect(page).to_have_url(live_server.url + "/cart/")

    total, pick_all, checkout = page.locator("#cart-total"), page.get_by_label("全选"), page.locator("#checkout-btn")
    expect(total).to_have_text("180.00")  # everything ticked at first
    expect(pick_all).to_be_checked()
    page.get_by_label("选择 棉袜").uncheck()
    expect(total).to_have_text("120.00")
    expect(pick_all).not_to_be_checked()
    expect(checkout).to_have_text("去结算(1)")

    pick_all.check()  # with some ticked, 全选 ticks the rest
    expect(total).to_have_text("180.00")
    expect(page.get_by_label("选择 棉袜")).to_be_checked()
    pick_all.uncheck()
    expect(total).to_have_text("0.00")
    checkout.click()
    expect(page.locator("#toast")).to_have_text("请选择要结算的商品")
    expect(page).to_have_url(live_server.url + "/cart/")
    pick_all.check()

    # A tick survives a quantity change (the cart is drawn again from the API).
    page.get_by_label("选择 棉袜").uncheck()
    page.locator(".cart-item", has_text="羊毛围巾").get_by_role("button", name="增加").click()
    expect(total).to_have_text("240.00")
    expect(page.get_by_label("选择 棉袜")).not_to_be_checked()
    # The tick box is a thumb's size.
    box = page.locator(".cart-item .pick").first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.screenshot(path="/tmp/cart-ticks.png", full_page=True)

    checkout.click()
    expect(page).to_have_url(re.compile(r"/checkout/\?from=cart&items=\d+$"))
    expect(page.locator("[data-line]")).to_have_count(1)
    expect(page.locator("[data-line] .title")).to_have_text("羊毛围巾")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/wx-emulator/pay/cashier/"))
    order = Order.objects.get(member=member)
    assert [(line.title, line.quantity) for line in order.lines.all()] == [("羊毛围巾", 2)]
    assert list(CartItem.objects.filter(member=member).values_list("sku__product__title", flat=True)) == ["棉袜"]
