"""The store's rough edges on a 390×844 phone: a pick kept through the WeChat login round
trip, a cart that fails gracefully, tap targets and layout."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from mall.models import CartItem
from mall.services.orders import Destination, LineRequest, order_create
from members.models import Member
from tests.factories import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, path):
    page.goto(live_server.url + f"/wechat/login/?next={path}")
    page.goto(page.url + "&openid=o_e2e_phone&nickname=手机用户")
    expect(page).to_have_url(live_server.url + path)


def test_add_to_cart_survives_the_wechat_login_round_trip(phone, live_server, shirt):
    page = phone
    page.goto(live_server.url + f"/products/{shirt.pk}/")
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".spec-values button[data-value='黑']").click()
    page.locator(".spec-values button[data-value='L']").click()
    page.locator(".sheet [data-step='1']").click()
    page.locator("[data-confirm]").click()

    expect(page).to_have_url(re.compile(r"/wx-emulator/oauth/authorize\?"))
    page.get_by_role("button", name=re.compile("小明")).click()

    expect(page.locator("#toast")).to_have_text("已加入购物车")
    expect(page).to_have_url(live_server.url + f"/products/{shirt.pk}/")  # no pick left to add twice
    expect(page.locator("[data-chosen]")).to_have_text("黑 / L")
    item = CartItem.objects.get(member__openid="o_emu_xiaoming")
    assert item.sku.spec == {"颜色": "黑", "尺码": "L"} and item.quantity == 2


def test_a_failing_cart_says_why_and_retries(phone, live_server, shirt):
    page = phone
    log_in(page, live_server, f"/products/{shirt.pk}/")
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".spec-values button[data-value='白']").click()
    page.locator(".spec-values button[data-value='M']").click()
    page.locator("[data-confirm]").click()
    expect(page.locator("#toast")).to_have_text("已加入购物车")

    failing = {"on": True}

    def cart_api(route):
        if failing["on"]:
            route.fulfill(status=503, content_type="application/json", body='{"code": "busy", "detail": "服务繁忙"}')
        else:
            route.continue_()

    page.route("**/api/v1/cart", cart_api)
    page.goto(live_server.url + "/cart/")
    expect(page.locator("#cart-items")).to_contain_text("购物车加载失败：服务繁忙")
    expect(page.locator("#cart-bar")).to_be_hidden()  # nothing to total or check out yet

    failing["on"] = False
    page.get_by_role("button", name="重试").click()
    expect(page.locator(".cart-item .title")).to_have_text("纯棉短袖T恤")
    expect(page.locator("#cart-total")).to_have_text("79.00")
    expect(page.get_by_role("link", name="去结算")).to_be_visible()


def box(locator):
    return locator.bounding_box()


def test_the_product_card_keeps_its_sales_inside_at_390px(phone, live_server, shirt):
    shirt.skus.update(original_price_fen=12900)
    page = phone
    page.goto(live_server.url + "/")
    card = page.locator(".card-p", has_text="纯棉短袖T恤").first
    sales = card.locator(".sales")
    expect(sales).to_have_text("已售 2295")
    assert box(sales)["x"] + box(sales)["width"] <= box(card)["x"] + box(card)["width"]


def test_the_home_entries_keep_each_line_whole_at_390px(phone, live_server):
    """签到 / 领券中心 / 活动中心: a title and one line under it each (「天天领积」 above a
    lone 「分」 was the look before)."""
    page = phone
    page.goto(live_server.url + "/")
    for entry in page.get_by_role("navigation", name="活动").get_by_role("link").all():
        title, text = box(entry.locator("b")), box(entry.locator("span"))
        assert text["height"] <= 2 * title["height"] + 2, entry.inner_text()
        assert text["x"] + text["width"] <= box(entry)["x"] + box(entry)["width"]


def test_an_empty_state_stacks_its_icon_above_the_text(phone, live_server):
    page = phone
    log_in(page, live_server, "/cart/")
    empty = page.locator("#cart-items .empty")
    expect(empty).to_contain_text("购物车还是空的")
    icon, button = box(empty.locator(".icon")), box(empty.locator(".btn"))
    whole = box(empty)
    assert icon["y"] + icon["height"] <= button["y"]
    assert abs((icon["x"] + icon["width"] / 2) - (whole["x"] + whole["width"] / 2)) < 2


def test_a_long_buyers_note_keeps_its_label_on_one_line(phone, live_server, shirt):
    page = phone
    log_in(page, live_server, "/me/")
    page.wait_for_load_state("networkidle")  # SQLite: no write while the live server is writing
    order = order_create(member=Member.objects.get(openid="o_e2e_phone"),
                         destination=Destination(name="小明", phone="13800138000", province="广东", city="深圳", district="", detail="科技园"),
                         lines=[LineRequest(sku_id=shirt.skus.first().pk, quantity=1)], note="请用纸箱包装，" * 12)
    page.goto(live_server.url + f"/orders/{order.number}/")
    label = page.locator(".kv span", has_text="买家留言")
    one_line = page.locator(".kv span", has_text="订单编号")
    assert box(label)["height"] == box(one_line)["height"] and box(label)["width"] >= box(one_line)["width"]
    note = page.locator(".kv", has_text="买家留言")
    assert box(note)["width"] <= 390


def test_the_product_photo_follows_the_chosen_skus_image(phone, live_server, shirt):
    black_l = shirt.skus.get(spec__颜色="黑", spec__尺码="L")
    black_l.image.save("black.png", ContentFile(png_bytes()))
    page = phone
    page.goto(live_server.url + f"/products/{shirt.pk}/")
    cover = page.locator(".gallery img").first.get_attribute("src")
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".spec-values button[data-value='黑']").click()
    page.locator(".spec-values button[data-value='L']").click()
    expect(page.locator(".gallery img").first).to_have_attribute("src", black_l.image.url)
    expect(page.locator("[data-sheet-image]")).to_have_attribute("src", black_l.image.url)
    page.locator(".spec-values button[data-value='L']").click()  # undone: back to the cover
    expect(page.locator(".gallery img").first).to_have_attribute("src", cover)


def test_the_404_page_has_a_titled_header(phone, live_server):
    page = phone
    page.goto(live_server.url + "/products/999999/")
    expect(page.locator(".topbar h1")).to_have_text("页面不存在")
    expect(page.locator(".topbar .back")).to_be_visible()


# What a thumb can hit: every control's box, at least 44×44 CSS px. Links inside running
# text (a paragraph's 《协议》) are left out: they sit in a line of text whose height is the
# font's, and padding them to 44 px would tear the paragraph apart.
SMALL_TARGETS = """() => [...document.querySelectorAll("button, a, input, select, [role=button]")]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden" && !el.closest("p"))
  .map((el) => {
    // A checkbox or radio is hit through its label, which is what must be thumb-sized.
    const target = (el.matches("[type=checkbox], [type=radio]") && el.closest("label")) || el;
    const r = target.getBoundingClientRect();
    return { what: el.outerHTML.slice(0, 90), w: Math.round(r.width), h: Math.round(r.height) };
  })
  .filter((t) => t.w < 44 || t.h < 44)"""


def test_every_tap_target_on_the_store_pages_is_at_least_44px(phone, live_server, shirt):
    page = phone
    log_in(page, live_server, f"/products/{shirt.pk}/")
    small = {}
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".spec-values button[data-value='白']").click()
    page.locator(".spec-values button[data-value='M']").click()
    small["product + sheet"] = page.evaluate(SMALL_TARGETS)
    page.locator("[data-confirm]").click()
    expect(page.locator("#toast")).to_have_text("已加入购物车")
    small["home"] = (page.goto(live_server.url + "/"), page.evaluate(SMALL_TARGETS))[1]
    page.goto(live_server.url + "/cart/")
    expect(page.locator(".cart-item")).to_have_count(1)
    small["cart"] = page.evaluate(SMALL_TARGETS)
    page.goto(live_server.url + "/checkout/?from=cart")
    small["checkout"] = page.evaluate(SMALL_TARGETS)
    page.wait_for_load_state("networkidle")  # SQLite: no write while the live server is writing
    order = order_create(member=Member.objects.get(openid="o_e2e_phone"),
                         destination=Destination(name="小明", phone="13800138000", province="广东", city="深圳", district="", detail="科技园"),
                         lines=[LineRequest(sku_id=shirt.skus.first().pk, quantity=1)])
    page.goto(live_server.url + "/orders/")
    expect(page.locator(".order-card, .order").first).to_be_visible()
    small["order list"] = page.evaluate(SMALL_TARGETS)
    page.goto(live_server.url + f"/orders/{order.number}/")
    small["order detail"] = page.evaluate(SMALL_TARGETS)
    assert not any(small.values()), "\n".join(f"{name}: {t['w']}×{t['h']} {t['what']}" for name, targets in small.items() for t in targets)
