"""The back office on an operator's 1280 px screen, in Chromium: the busy lists and the
product page with its SKU table fit the screen (no sideways scrolling, not of the page and
not of a table inside it), and nothing a page does is refused by the Content-Security-Policy
or throws (the `desk` fixture fails the test on either)."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from mall.models import Order
from mall.services.aftersales import refund_request
from mall.services.orders import Destination, LineRequest, order_create
from tests.factories import MemberFactory, ProductFactory, ProductImageFactory, SKUFactory, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREEN = 1280

# Each table's width against the box that would scroll it sideways (or the window).
MEASURE = """() => ({
    page: document.documentElement.scrollWidth,
    tables: Array.from(document.querySelectorAll("table")).map(table => {
        let box = table.parentElement;
        while (box && box !== document.body && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
        const width = table.offsetWidth;
        table.style.width = "1px";  // squeezed: the least the table can take (reported, for headroom)
        const least = table.offsetWidth;
        table.style.width = "";
        return {table: table.id || table.closest("[id]").id, width, least, room: box && box !== document.body ? box.clientWidth : innerWidth};
    }),
})"""


@pytest.fixture
def busy_shop():
    """Orders and refund requests with the longest names and addresses the shop allows to
    show, and a product with twelve SKUs, each with a code, a list price and a picture."""
    product = ProductFactory(title="纯棉圆领短袖T恤（加厚款）", specs=[
        {"name": "颜色", "values": ["白", "黑", "藏青"]}, {"name": "尺码", "values": ["S", "M", "L", "XL"]},
    ])
    ProductImageFactory(product=product)
    skus = [
        SKUFactory(product=product, spec={"颜色": colour, "尺码": size}, code=f"MM-2026-{colour}-{size}", price_fen=7900,
                   original_price_fen=12900, stock=1000, image=ContentFile(png_bytes(), name="sku.png"))
        for colour in ("白", "黑", "藏青") for size in ("S", "M", "L", "XL")
    ]
    where = Destination(name="欧阳娜娜娜娜娜", phone="13800138000", province="新疆维吾尔自治区", city="伊犁哈萨克自治州",
                        district="霍尔果斯市", detail="亚欧北路合作中心 8 号楼 2 单元 1203 室")
    for n in range(12):
        member = MemberFactory(nickname=f"喜欢购物的长昵称会员{n:02d}号")
        order = order_create(member=member, destination=where, lines=[LineRequest(sku_id=skus[n].pk, quantity=3)])
        Order.objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now())
        if n % 2:
            order.refresh_from_db()
            refund_request(order=order, member=member, reason="尺码偏小，想换大一号但是已经没有库存了，所以申请整单退款，谢谢" * 2)
    return product


def fits(page, path: str) -> dict:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    measured = page.evaluate(MEASURE)
    print(f"{path}: page {measured['page']} px;", ", ".join(f"{t['table']} {t['width']}/{t['room']} px (needs {t['least']})" for t in measured["tables"]))
    assert measured["page"] <= SCREEN, measured
    for table in measured["tables"]:
        assert table["width"] <= table["room"], table
    return measured


def test_the_busy_lists_and_the_product_page_fit_a_1280_screen(desk, live_server, busy_shop):
    page = desk
    order_list = fits(page, live_server.url + "/admin/mall/order/")
    assert [t["table"] for t in order_list["tables"]] == ["result_list"]
    expect(page.locator("#result_list tbody tr")).to_have_count(12)
    expect(page.locator("td.field-ship_link a").first).to_have_text("发货")

    fits(page, live_server.url + "/admin/mall/refund/")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)

    product_page = fits(page, live_server.url + f"/admin/mall/product/{busy_shop.pk}/change/")
    assert "skus-data" in [t["table"] for t in product_page["tables"]]
    expect(page.locator("#skus-group input[name$='-spec_text']:not([name*='__prefix__'])")).to_have_count(12)

    fits(page, live_server.url + "/admin/distribution/withdrawal/")
    fits(page, live_server.url + "/admin/")


def test_the_workbench_leads_to_the_orders_waiting_to_ship(desk, live_server, busy_shop):
    page = desk
    page.goto(live_server.url + "/admin/")
    queue = page.locator("#workbench-queues a", has_text="待发货")
    expect(queue).to_contain_text("6")
    queue.click()
    expect(page).to_have_url(live_server.url + "/admin/mall/order/?status__exact=paid")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)


def test_approving_a_refund_goes_through_a_page_with_the_amounts(desk, live_server, busy_shop):
    page = desk
    page.goto(live_server.url + "/admin/mall/refund/")
    page.locator("#result_list tbody tr").first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("approve")
    page.locator("button[name=index]").click()
    expect(page.get_by_text("确认同意退款").first).to_be_visible()
    expect(page.get_by_role("button", name="确认退款 ¥237.00")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN
