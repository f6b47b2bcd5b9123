import io

import pytest
from openpyxl import load_workbook

from mall.models import SKU, Order, OrderStatus, Product, ShopSettings
from mall.services.orders import LineRequest, order_create
from tests.factories import (
    CategoryFactory,
    MemberFactory,
    ProductImageFactory,
    SKUFactory,
    png_bytes,
)
from tests.helpers import DESTINATION

pytestmark = pytest.mark.django_db



@pytest.fixture
def boss(client):
    member = MemberFactory(is_staff=True, is_superuser=True)
    client.force_login(member)
    return member


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/mall/product/", "/admin/mall/product/add/", "/admin/mall/order/", "/admin/mall/sku/",
     "/admin/mall/category/", "/admin/members/member/", "/admin/mall/banner/", "/admin/django_celery_beat/periodictask/"],
)
def test_admin_pages_open(client, boss, url):
    ProductImageFactory(product=SKUFactory().product)
    assert client.get(url).status_code == 200


def test_product_and_order_change_pages_open(client, boss):
    sku = SKUFactory()
    order = order_create(member=MemberFactory(), destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)])
    assert client.get(f"/admin/mall/product/{sku.product_id}/change/").status_code == 200
    assert client.get(f"/admin/mall/order/{order.pk}/change/").status_code == 200
    assert client.get(f"/admin/members/member/{order.member_id}/change/").status_code == 200


def product_form(product, skus, **overrides):
    """The admin change form as a browser would post it."""
    data = {
        "title": product.title, "subtitle": "", "category": product.category_id, "is_on_sale": "on", "position": 0,
        "specs": "颜色: 红, 黑", "purchase_limit": "", "description_html": "",
        "images-TOTAL_FORMS": 0, "images-INITIAL_FORMS": 0, "images-MIN_NUM_FORMS": 0, "images-MAX_NUM_FORMS": 1000,
        "skus-TOTAL_FORMS": len(skus), "skus-INITIAL_FORMS": sum(1 for s in skus if s.get("id")),
        "skus-MIN_NUM_FORMS": 1, "skus-MAX_NUM_FORMS": 1000,
    }
    for index, sku in enumerate(skus):
        for key, value in sku.items():
            data[f"skus-{index}-{key}"] = value
        data[f"skus-{index}-product"] = product.pk
        data.setdefault(f"skus-{index}-is_active", "on")
    data.update(overrides)
    return data


def test_stock_typed_in_the_admin_moves_by_the_difference(client, boss):
    sku = SKUFactory(spec={"颜色": "红"}, stock=10, price_fen=5000)
    product = sku.product
    product.specs = [{"name": "颜色", "values": ["红", "黑"]}]
    product.save()
    form_loaded_with = 10
    SKU.objects.filter(pk=sku.pk).update(stock=7)  # three sold while the operator edits
    data = product_form(product, [{"id": sku.pk, "spec_text": "红", "price_fen": "59.90", "stock": 15, "code": ""}])
    data["initial-skus-0-stock"] = form_loaded_with
    response = client.post(f"/admin/mall/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    sku.refresh_from_db()
    assert sku.stock == 12  # 7 left + the 5 the operator added
    assert sku.price_fen == 5990


def test_saving_other_sku_fields_never_writes_a_stale_stock(client, boss):
    sku = SKUFactory(spec={"颜色": "红"}, stock=10, price_fen=5000)
    product = sku.product
    product.specs = [{"name": "颜色", "values": ["红"]}]
    product.save()
    SKU.objects.filter(pk=sku.pk).update(stock=4)  # sold while the form was open
    data = product_form(product, [{"id": sku.pk, "spec_text": "红", "price_fen": "45.00", "stock": 10, "code": "A1"}], specs="颜色: 红")
    data["initial-skus-0-stock"] = 10
    assert client.post(f"/admin/mall/product/{product.pk}/change/", data).status_code == 302
    sku.refresh_from_db()
    assert (sku.stock, sku.price_fen, sku.code) == (4, 4500, "A1")


def test_sku_spec_must_match_the_products_specs(client, boss):
    product = SKUFactory(spec={"颜色": "红"}).product
    sku = product.skus.get()
    data = product_form(product, [{"id": sku.pk, "spec_text": "绿", "price_fen": "1", "stock": 1, "code": ""}])
    response = client.post(f"/admin/mall/product/{product.pk}/change/", data)
    assert response.status_code == 200
    assert "不是规格「颜色」的可选值" in response.content.decode()


def test_adding_a_product_with_an_image_makes_a_thumbnail(client, boss):
    category = CategoryFactory()
    data = {
        "title": "新品", "subtitle": "", "category": category.pk, "is_on_sale": "on", "position": 0, "specs": "",
        "purchase_limit": "", "description_html": "",
        "images-TOTAL_FORMS": 1, "images-INITIAL_FORMS": 0, "images-MIN_NUM_FORMS": 0, "images-MAX_NUM_FORMS": 1000,
        "images-0-position": 0,
        "images-0-image": io.BytesIO(png_bytes((1600, 900))),
        "skus-TOTAL_FORMS": 1, "skus-INITIAL_FORMS": 0, "skus-MIN_NUM_FORMS": 1, "skus-MAX_NUM_FORMS": 1000,
        "skus-0-spec_text": "", "skus-0-price_fen": "19.90", "skus-0-stock": 3, "skus-0-is_active": "on", "skus-0-code": "",
    }
    data["images-0-image"].name = "big.png"
    response = client.post("/admin/mall/product/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(title="新品")
    image = product.images.get()
    assert (image.thumbnail.width, image.thumbnail.height) == (400, 400)
    assert max(image.image.width, image.image.height) == 1200
    assert product.skus.get().price_fen == 1990


def test_generate_skus_action_fills_missing_combinations(client, boss):
    product = SKUFactory(spec={"颜色": "红", "尺码": "M"}, price_fen=3000).product
    product.specs = [{"name": "颜色", "values": ["红", "黑"]}, {"name": "尺码", "values": ["M", "L"]}]
    product.save()
    client.post("/admin/mall/product/", {"action": "generate_skus", "_selected_action": [product.pk]})
    assert product.skus.count() == 4
    assert set(product.skus.values_list("price_fen", flat=True)) == {3000}


def make_orders(count=2):
    sku = SKUFactory(stock=100)
    return [order_create(member=MemberFactory(nickname=f"买家{i}"), destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=1)]) for i in range(count)]


def test_orders_export_as_csv_for_excel(client, boss):
    orders = make_orders()
    response = client.post("/admin/mall/order/", {"action": "export_csv", "_selected_action": [o.pk for o in orders]})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff订单号,状态")
    assert orders[0].number in text and "待付款" in text and "60.00" in text  # 50 + 10 shipping


def test_orders_export_as_xlsx(client, boss):
    orders = make_orders()
    response = client.post("/admin/mall/order/", {"action": "export_xlsx", "_selected_action": [o.pk for o in orders]})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0] == "订单号" and len(rows) == 3


def test_operators_can_cancel_pending_orders_in_bulk(client, boss):
    orders = make_orders(3)
    client.post("/admin/mall/order/", {"action": "cancel_orders", "_selected_action": [o.pk for o in orders]})
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.CANCELLED}
    assert SKU.objects.get().stock == 100


def test_order_search_by_number_phone_and_nickname(client, boss):
    first, second = make_orders()
    for term in (first.number, "买家0"):
        page = client.get("/admin/mall/order/", {"q": term}).content.decode()
        assert first.number in page and second.number not in page


def test_order_search_finds_the_last_six_digits_of_a_number(client, boss):
    first, second = make_orders()
    Order.objects.filter(pk=first.pk).update(number="202612031200000000123456")
    Order.objects.filter(pk=second.pk).update(number="202612031200000000654321")
    page = client.get("/admin/mall/order/", {"q": "123456"}).content.decode()
    assert "202612031200000000123456" in page and "202612031200000000654321" not in page


def test_merchant_notes_show_in_the_list_and_filter_it(client, boss):
    noted, plain = make_orders()
    Order.objects.filter(pk=noted.pk).update(operator_note="买家来电：周末再发货")
    page = client.get("/admin/mall/order/", {"noted": "yes"}).content.decode()
    assert noted.number in page and plain.number not in page and "买家来电：周末" in page
    page = client.get("/admin/mall/order/", {"noted": "no"}).content.decode()
    assert plain.number in page and noted.number not in page


def test_merchant_notes_never_reach_the_shopper(client):
    order = make_orders(1)[0]
    Order.objects.filter(pk=order.pk).update(operator_note="内部：此人常退货")
    client.force_login(order.member)
    for url in (f"/api/v1/orders/{order.number}", "/api/v1/orders", f"/orders/{order.number}/", "/orders/"):
        assert "此人常退货" not in client.get(url).content.decode(), url


def test_orders_cannot_be_added_or_deleted_in_the_admin(client, boss):
    order = make_orders(1)[0]
    assert client.get("/admin/mall/order/add/").status_code == 403
    assert client.get(f"/admin/mall/order/{order.pk}/delete/").status_code == 403


def test_shop_settings_list_opens_the_single_settings_form(client, boss):
    response = client.get("/admin/mall/shopsettings/")  # the one form, no list
    assert response.status_code == 200 and 'name="shop_name"' in response.content.decode()
    form = {"shop_name": "小店", "service_phone": "", "shipping_fee_fen": "8.00", "free_shipping_threshold_fen": "",
            "payment_window_minutes": 20, "max_unpaid_orders": 5, "auto_complete_days": 10, "after_sales_days": 7}
    assert client.post("/admin/mall/shopsettings/1/change/", form).status_code == 302
    settings = ShopSettings.get_solo()  # through the cache: saving refreshed it
    assert (settings.shipping_fee_fen, settings.free_shipping_threshold_fen, settings.payment_window_minutes) == (800, None, 20)
