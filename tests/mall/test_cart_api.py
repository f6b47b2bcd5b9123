import pytest

from mall.models import CartItem
from tests.factories import CartItemFactory, MemberFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_anonymous_shoppers_get_401(api):
    response = api.get("/api/v1/cart")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "请先登录"}
    assert api.post("/api/v1/cart/items", {"sku_id": 1, "quantity": 1}, format="json").status_code == 401


def test_adding_an_sku_creates_an_item(member_api, member):
    sku = SKUFactory(price_fen=1234, spec={"颜色": "红"})
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 2}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("sku_id", "product_id", "title", "spec", "price_fen", "quantity", "available")} == {
        "sku_id": sku.pk, "product_id": sku.product_id, "title": sku.product.title, "spec": {"颜色": "红"},
        "price_fen": 1234, "quantity": 2, "available": True,
    }
    assert CartItem.objects.get(member=member).quantity == 2


def test_adding_the_same_sku_again_adds_to_its_quantity(member_api, member):
    sku = SKUFactory()
    member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 2}, format="json")
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 3}, format="json")
    assert response.status_code == 201
    assert response.json()["quantity"] == 5
    assert CartItem.objects.filter(member=member).count() == 1


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None, 10**30])
def test_bad_quantities_are_refused_and_change_nothing(member_api, member, quantity):
    sku = SKUFactory()
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": quantity}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "quantity" in response.json()["fields"]
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("body", [{}, {"quantity": 1}, {"sku_id": "x", "quantity": 1}, {"sku_id": 10**30, "quantity": 1}, []])
def test_malformed_bodies_are_400(member_api, body):
    response = member_api.post("/api/v1/cart/items", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_malformed_json_is_400(member_api):
    response = member_api.post("/api/v1/cart/items", '{"sku_id": 1,', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_form_encoded_bodies_are_415(member_api):
    response = member_api.post("/api/v1/cart/items", "sku_id=1&quantity=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_unknown_sku_is_400(member_api):
    response = member_api.post("/api/v1/cart/items", {"sku_id": 987654, "quantity": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"sku_id": ["商品规格不存在"]}


@pytest.mark.parametrize("off", [{"product__is_on_sale": False}, {"is_active": False}])
def test_sku_not_for_sale_is_400(member_api, off):
    sku = SKUFactory(**off)
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 1}, format="json")
    assert response.status_code == 400
    assert not CartItem.objects.exists()


def test_quantity_over_the_purchase_limit_is_400(member_api):
    sku = SKUFactory(product=ProductFactory(purchase_limit=2))
    assert member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 2}, format="json").status_code == 201
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 1}, format="json")
    assert response.status_code == 400
    assert CartItem.objects.get().quantity == 2


def test_quantity_over_stock_is_409_out_of_stock(member_api):
    sku = SKUFactory(stock=3)
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 4}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"


def test_a_quantity_far_over_the_stock_is_answered_with_the_stock_left(member_api):
    sku = SKUFactory(stock=117)
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 9999}, format="json")
    assert (response.status_code, response.json()) == (409, {"code": "out_of_stock", "detail": "库存仅剩 117 件"})


def test_a_quantity_over_the_purchase_limit_names_the_limit(member_api, member):
    item = CartItemFactory(member=member, sku=SKUFactory(stock=117, product=ProductFactory(purchase_limit=5)), quantity=1)
    response = member_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 9999}, format="json")
    assert (response.status_code, response.json()["detail"]) == (400, "每人限购 5 件")


def test_a_quantity_over_the_line_cap_with_stock_to_spare_names_the_cap(member_api):
    sku = SKUFactory(stock=5000)
    response = member_api.post("/api/v1/cart/items", {"sku_id": sku.pk, "quantity": 1000}, format="json")
    assert (response.status_code, response.json()["detail"]) == (400, "单次最多购买 999 件")
    assert not CartItem.objects.exists()


def test_cart_lists_items_with_availability_and_a_total_of_what_can_be_bought(member_api, member):
    CartItemFactory(member=member, sku=SKUFactory(price_fen=1000), quantity=2)
    CartItemFactory(member=member, sku=SKUFactory(price_fen=500, stock=1), quantity=2)  # not enough stock
    CartItemFactory(sku=SKUFactory())  # someone else's
    body = member_api.get("/api/v1/cart").json()
    assert [item["available"] for item in body["items"]] == [False, True]
    assert body["total_fen"] == 2000


def test_patch_sets_the_quantity(member_api, member):
    item = CartItemFactory(member=member, quantity=1)
    response = member_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 4}, format="json")
    assert response.status_code == 200
    assert response.json()["quantity"] == 4
    item.refresh_from_db()
    assert item.quantity == 4


def test_patch_with_zero_is_400(member_api, member):
    item = CartItemFactory(member=member, quantity=3)
    assert member_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 0}, format="json").status_code == 400
    item.refresh_from_db()
    assert item.quantity == 3


def test_delete_removes_the_item(member_api, member):
    item = CartItemFactory(member=member)
    assert member_api.delete(f"/api/v1/cart/items/{item.pk}").status_code == 204
    assert not CartItem.objects.exists()


def test_another_members_cart_item_is_not_found_and_untouched(member_api):
    item = CartItemFactory(member=MemberFactory(), quantity=1)
    patch = member_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 5}, format="json")
    delete = member_api.delete(f"/api/v1/cart/items/{item.pk}")
    assert (patch.status_code, delete.status_code) == (404, 404)
    assert patch.json()["code"] == "not_found"
    item.refresh_from_db()
    assert item.quantity == 1
