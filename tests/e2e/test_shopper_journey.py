"""A newcomer's first purchase, in Chromium at phone size: log in through the WeChat
emulator, browse, pick a spec, add to cart, give an address, place the order; then the
operator finds it in the admin."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from mall.models import SKU, Order, OrderStatus
from members.models import Member
from tests.e2e.conftest import watch
from tests.factories import MemberFactory, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_shopper_logs_in_buys_and_the_operator_sees_the_order(phone, live_server, shirt, browser):
    # The black L is dearer, scarcer and has its own photo.
    black_l = SKU.objects.get(product=shirt, spec__颜色="黑", spec__尺码="L")
    black_l.price_fen, black_l.stock, black_l.image = 8900, 3, ContentFile(png_bytes(colour=(30, 30, 30)), name="black-l.png")
    black_l.save()
    page = phone
    page.goto(live_server.url + "/")
    expect(page.get_by_text("纯棉短袖T恤").first).to_be_visible()

    # Logging in goes through WeChat's (emulated) authorize page and back.
    page.goto(live_server.url + "/me/")
    expect(page).to_have_url(re.compile(r"/wx-emulator/oauth/authorize\?"))
    page.get_by_role("button", name=re.compile("小明")).click()
    expect(page).to_have_url(live_server.url + "/me/")
    expect(page.locator(".me-head .name")).to_have_text("小明")

    # Browse the category from the tab bar, then find the shirt again by searching.
    page.get_by_role("link", name="分类").click()
    page.get_by_role("navigation", name="一级分类").get_by_role("link", name="男装").click()
    page.get_by_role("link", name="查看全部「男装」").click()
    expect(page.locator(".card-p .title")).to_have_text(["纯棉短袖T恤"])
    search = page.get_by_role("searchbox", name="搜索商品")
    search.fill("短袖")
    search.press("Enter")
    expect(page).to_have_title(re.compile("“短袖”的搜索结果"))
    page.get_by_text("纯棉短袖T恤").first.click()

    # Pick a spec combination: price, stock and photo follow the SKU.
    # A tap before the page's script is bound opens no sheet (seen on a loaded machine).
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="加入购物车").click()
    sheet = page.locator(".sheet")
    expect(sheet.locator("[data-price]")).to_have_text("79.00-89.00")
    page.locator(".spec-values button[data-value='黑']").click()
    page.locator(".spec-values button[data-value='L']").click()
    expect(sheet.locator("[data-price]")).to_have_text("89.00")
    expect(sheet.locator("[data-stock]")).to_have_text("库存 3 件")
    expect(sheet.locator("[data-sheet-image]")).to_have_attribute("src", black_l.image.url)
    page.locator("[data-confirm]").click()
    expect(page.locator("#toast")).to_have_text("已加入购物车")

    # The cart shows it; one more, and the total follows.
    page.goto(live_server.url + "/cart/")
    expect(page.locator(".cart-item .title")).to_have_text("纯棉短袖T恤")
    expect(page.locator("#cart-total")).to_have_text("89.00")
    page.get_by_role("button", name="增加").click()
    expect(page.get_by_label("数量")).to_have_value("2")
    expect(page.locator("#cart-total")).to_have_text("178.00")

    # Checkout asks for an address first.
    page.get_by_role("link", name="去结算").click()
    page.get_by_text("添加收货地址").click()
    page.fill("#f-name", "小明")
    page.fill("#f-phone", "13800138000")
    # The region comes from the picker: each choice offers the next level's names.
    page.get_by_label("省份").select_option("广东省")
    page.get_by_label("城市").select_option("深圳市")
    page.get_by_label("区县").select_option("南山区")
    page.fill("#f-detail", "科技园 1 号")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/checkout/\?from=cart.*address=\d+"))
    expect(page.locator(".addr-card .where")).to_contain_text("广东省深圳市南山区科技园 1 号")
    expect(page.locator(".actionbar .price")).to_have_text("¥178.00")  # free shipping from 99

    # Submitting the order opens WeChat Pay: in emulator mode, the emulator's cashier.
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/wx-emulator/pay/cashier/"))
    expect(page.locator(".amount")).to_have_text("¥178.00")
    page.get_by_role("button", name=re.compile("确认支付")).click()
    expect(page).to_have_url(re.compile(r"/orders/\d{24}/$"))
    expect(page.locator(".status-hero h2")).to_have_text("待发货")
    # The page's own requests first: on SQLite the server's writes lock the shared database.
    page.wait_for_load_state("networkidle")

    member = Member.objects.get(openid="o_emu_xiaoming")
    order = Order.objects.get(member=member)
    assert order.status == OrderStatus.PAID and order.pay_fen == 17800 and order.payment.transaction_id
    assert SKU.objects.get(pk=black_l.pk).stock == 1

    # The operator logs in and finds the order.
    boss = MemberFactory(username="boss", is_staff=True, is_superuser=True)
    boss.set_password("boss-pass-123")
    boss.save()
    admin = browser.new_context().new_page()
    admin_errors = watch(admin)
    admin.goto(live_server.url + "/admin/mall/order/")
    admin.fill("#id_username", "boss")
    admin.fill("#id_password", "boss-pass-123")
    admin.locator("button[type=submit]").click()
    expect(admin.get_by_text(order.number)).to_be_visible()
    expect(admin.locator("td.field-status_badge").first).to_have_text("待发货")
    admin.wait_for_load_state("networkidle")
    admin.context.close()
    assert not admin_errors, admin_errors


def test_a_shopper_can_cancel_a_pending_order(phone, live_server, shirt):
    page = phone
    page.goto(live_server.url + f"/wechat/login/?next=/products/{shirt.pk}/")
    page.goto(page.url + "&openid=o_e2e_cancel&nickname=取消者")
    expect(page).to_have_url(live_server.url + f"/products/{shirt.pk}/")
    page.get_by_role("button", name="立即购买").click()
    page.locator(".spec-values button[data-value='白']").click()
    page.locator(".spec-values button[data-value='M']").click()
    page.locator("[data-confirm]").click()
    expect(page).to_have_url(re.compile(r"/checkout/\?sku=\d+&qty=1"))
    page.get_by_text("添加收货地址").click()
    for selector, value in (("#f-name", "取消者"), ("#f-phone", "13912345678"), ("#f-detail", "长安街 1 号")):
        page.fill(selector, value)
    page.get_by_label("省份").select_option("北京市")
    page.get_by_label("城市").select_option("北京市")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="提交订单").click()
    page.get_by_role("button", name="取消").click()  # at the cashier: changed my mind
    expect(page.locator(".status-hero h2")).to_have_text("待付款")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".actionbar [data-cancel-order]").click()
    expect(page.locator(".status-hero h2")).to_have_text("已取消")
    page.wait_for_load_state("networkidle")
    assert SKU.objects.get(product=shirt, spec__颜色="白", spec__尺码="M").stock == 5
