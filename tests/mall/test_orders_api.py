from datetime import timedelta

import pytest
from django.utils import timezone

from mall.models import (
    SKU,
    ActorKind,
    CartItem,
    Order,
    OrderEvent,
    OrderStatus,
)
from tests.factories import (
    AddressFactory,
    CartItemFactory,
    MemberFactory,
    ProductFactory,
    SKUFactory,
)
from tests.helpers import ADDRESS, shop_settings

pytestmark = pytest.mark.django_db


def place(client, lines, **extra):
    body = {"lines": [{"sku_id": sku.pk, "quantity": quantity} for sku, quantity in lines], "address": ADDRESS, **extra}
    return client.post("/api/v1/orders", body, format="json")


def stock(sku) -> int:
    return SKU.objects.get(pk=sku.pk).stock


def test_order_is_priced_on_the_server_and_takes_stock(member_api, member):
    shirt = SKUFactory(price_fen=7900, stock=10, spec={"颜色": "黑"})
    mug = SKUFactory(price_fen=4900, stock=5, spec={})
    response = place(member_api, [(shirt, 2), (mug, 1)], note="请周末送")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_payment"
    assert (body["goods_fen"], body["shipping_fen"], body["discount_fen"], body["pay_fen"]) == (20700, 0, 0, 20700)
    assert [(line["sku_id"], line["price_fen"], line["quantity"], line["spec"]) for line in body["lines"]] == [
        (shirt.pk, 7900, 2, {"颜色": "黑"}),
        (mug.pk, 4900, 1, {}),
    ]
    assert (stock(shirt), stock(mug)) == (8, 4)
    assert body["created_at"].endswith("+08:00") and body["expires_at"].endswith("+08:00")


def test_an_order_is_written_with_its_lines_history_and_announcement(member_api, member):
    """What the order's statement writes together, read back from the tables."""
    from outbox.models import Event
    from outbox.services import SUBSCRIBERS

    shirt, mug = SKUFactory(price_fen=7900, stock=3), SKUFactory(price_fen=4900, stock=3)
    body = place(member_api, [(shirt, 2), (mug, 1)]).json()
    order = Order.objects.get(number=body["number"])
    assert [line["id"] for line in body["lines"]] == list(order.lines.order_by("sku_id").values_list("id", flat=True))
    assert list(order.events.values_list("from_status", "to_status", "actor_id", "reason")) == [("", "pending_payment", member.pk, "下单")]
    event = Event.objects.get(name="order.created")
    assert event.payload == {"order_id": order.pk}
    assert sorted(event.deliveries.values_list("subscriber", flat=True)) == sorted(SUBSCRIBERS["order.created"])


def test_prices_sent_by_the_client_are_ignored(member_api):
    sku = SKUFactory(price_fen=5000)
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1, "price_fen": 1}], "address": ADDRESS, "pay_fen": 1}
    response = member_api.post("/api/v1/orders", body, format="json")
    assert response.json()["pay_fen"] == 5000 + 1000  # under the free-shipping threshold


def test_shipping_follows_the_operator_setting(member_api):
    shop_settings(**{"shipping_fee_fen": 800, "free_shipping_threshold_fen": 10000})
    cheap, dear = SKUFactory(price_fen=9999), SKUFactory(price_fen=10000)
    assert place(member_api, [(cheap, 1)]).json()["shipping_fen"] == 800
    assert place(member_api, [(dear, 1)]).json()["shipping_fen"] == 0


def test_payment_window_follows_the_operator_setting(member_api):
    shop_settings(**{"payment_window_minutes": 15})
    order = Order.objects.get(number=place(member_api, [(SKUFactory(), 1)]).json()["number"])
    assert order.expires_at - order.created_at == timedelta(minutes=15)


def test_address_is_copied_onto_the_order(member_api, member):
    address = AddressFactory(member=member, city="深圳")
    number = member_api.post(
        "/api/v1/orders", {"lines": [{"sku_id": SKUFactory().pk, "quantity": 1}], "address_id": address.pk}, format="json"
    ).json()["number"]
    address.city = "广州"
    address.save()
    order = Order.objects.get(number=number)
    assert (order.receiver_name, order.city) == ("张三", "深圳")


def test_order_from_the_cart_empties_the_cart(member_api, member):
    sku = SKUFactory(price_fen=3000)
    CartItemFactory(member=member, sku=sku, quantity=3)
    response = member_api.post("/api/v1/orders", {"from_cart": True, "address": ADDRESS}, format="json")
    assert response.status_code == 201
    assert response.json()["goods_fen"] == 9000
    assert not CartItem.objects.filter(member=member).exists()


def test_an_empty_cart_cannot_be_ordered(member_api):
    response = member_api.post("/api/v1/orders", {"from_cart": True, "address": ADDRESS}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "cart_empty"


def test_out_of_stock_is_409_and_takes_nothing(member_api, member):
    plenty, scarce = SKUFactory(stock=10), SKUFactory(stock=1)
    CartItemFactory(member=member, sku=plenty)
    response = place(member_api, [(plenty, 2), (scarce, 2)])
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert (stock(plenty), stock(scarce)) == (10, 1)
    assert not Order.objects.exists()
    assert CartItem.objects.filter(member=member).exists()


def test_purchase_limit_counts_earlier_orders_but_not_cancelled_ones(member_api, member):
    sku = SKUFactory(product=ProductFactory(purchase_limit=2))
    first = place(member_api, [(sku, 1)])
    assert first.status_code == 201
    over = place(member_api, [(sku, 2)])
    assert over.status_code == 409
    assert over.json()["code"] == "purchase_limit"
    member_api.post(f"/api/v1/orders/{first.json()['number']}/cancel")
    assert place(member_api, [(sku, 2)]).status_code == 201


def test_the_limit_is_per_product_across_its_skus(member_api):
    product = ProductFactory(purchase_limit=2)
    red, black = SKUFactory(product=product), SKUFactory(product=product)
    assert place(member_api, [(red, 1), (black, 2)]).json()["code"] == "purchase_limit"


@pytest.mark.parametrize(
    "body",
    [
        {"address": ADDRESS},
        {"lines": [], "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 1}], "from_cart": True, "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 0}], "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": -3}], "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 2.5}], "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 10**12}], "address": ADDRESS},
        {"lines": [{"sku_id": "1", "quantity": 1}], "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 1}]},
        {"lines": [{"sku_id": 1, "quantity": 1}], "address": {**ADDRESS, "phone": "1"}},
        {"lines": [{"sku_id": 1, "quantity": 1}], "address_id": "abc"},
        {"lines": "all", "address": ADDRESS},
        {"lines": [{"sku_id": 1, "quantity": 1}], "address": ADDRESS, "coupon_id": "five"},
        {"lines": [{"sku_id": 1, "quantity": 1}], "address": ADDRESS, "note": "x" * 201},
    ],
)
def test_invalid_orders_are_400_and_take_nothing(member_api, body):
    sku = SKUFactory(pk=1, stock=10)
    response = member_api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert response.json()["fields"]
    assert stock(sku) == 10 and not Order.objects.exists()


def test_unknown_and_off_sale_skus_are_400(member_api):
    off = SKUFactory(product=ProductFactory(is_on_sale=False))
    assert place(member_api, [(SKU(pk=424242), 1)]).status_code == 400
    assert place(member_api, [(off, 1)]).status_code == 400


def test_someone_elses_address_cannot_be_used(member_api, member):
    theirs = AddressFactory(member=MemberFactory())
    sku = SKUFactory(stock=5)
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": theirs.pk}
    response = member_api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "detail": "收货地址不存在", "fields": {"address_id": ["收货地址不存在"]}}
    sku.refresh_from_db()
    assert sku.stock == 5 and not Order.objects.filter(member=member).exists()


def test_creation_is_recorded_as_an_order_event(member_api, member):
    number = place(member_api, [(SKUFactory(), 1)]).json()["number"]
    event = OrderEvent.objects.get(order__number=number)
    assert (event.from_status, event.to_status, event.actor, event.actor_kind) == ("", OrderStatus.PENDING_PAYMENT, member, ActorKind.SHOPPER)


def test_order_numbers_are_long_unique_and_not_sequential(member_api):
    sku = SKUFactory()
    numbers = [place(member_api, [(sku, 1)]).json()["number"] for _ in range(5)]
    assert len(set(numbers)) == 5
    assert all(len(n) == 24 and n.isdigit() for n in numbers)
    assert len({n[-10:] for n in numbers}) == 5


def test_cancel_gives_the_stock_back_once(member_api):
    sku = SKUFactory(stock=5)
    number = place(member_api, [(sku, 2)]).json()["number"]
    first = member_api.post(f"/api/v1/orders/{number}/cancel")
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    second = member_api.post(f"/api/v1/orders/{number}/cancel")
    assert second.status_code == 409 and second.json()["code"] == "invalid_status"
    assert stock(sku) == 5
    assert list(OrderEvent.objects.filter(order__number=number).values_list("to_status", flat=True)) == ["pending_payment", "cancelled"]


def test_orders_of_another_member_are_invisible(member_api, api_for):
    other = api_for(MemberFactory())
    number = place(other, [(SKUFactory(), 1)]).json()["number"]
    assert member_api.get(f"/api/v1/orders/{number}").status_code == 404
    assert member_api.post(f"/api/v1/orders/{number}/cancel").status_code == 404
    assert member_api.get("/api/v1/orders").json()["count"] == 0
    assert Order.objects.get(number=number).status == OrderStatus.PENDING_PAYMENT


def test_my_orders_newest_first_filtered_by_status(member_api):
    sku = SKUFactory()
    first = place(member_api, [(sku, 1)]).json()["number"]
    second = place(member_api, [(sku, 1)]).json()["number"]
    member_api.post(f"/api/v1/orders/{first}/cancel")
    assert [o["number"] for o in member_api.get("/api/v1/orders").json()["results"]] == [second, first]
    assert [o["number"] for o in member_api.get("/api/v1/orders?status=cancelled").json()["results"]] == [first]
    assert member_api.get("/api/v1/orders?status=lost").status_code == 400


def test_order_detail(member_api):
    number = place(member_api, [(SKUFactory(price_fen=100), 3)]).json()["number"]
    body = member_api.get(f"/api/v1/orders/{number}").json()
    assert body["number"] == number and body["goods_fen"] == 300
    assert body["address"]["city"] == ADDRESS["city"]


def test_a_free_order_is_paid_at_once(member_api):
    shop_settings(**{"shipping_fee_fen": 0})
    sku = SKUFactory(price_fen=0)
    body = place(member_api, [(sku, 1)]).json()
    assert body["status"] == "paid" and body["pay_fen"] == 0 and body["paid_at"]
    assert sku.product.__class__.objects.get(pk=sku.product_id).sales == 1


def test_duplicate_lines_for_one_sku_are_merged(member_api):
    sku = SKUFactory(stock=10, price_fen=100)
    body = place(member_api, [(sku, 2), (sku, 3)]).json()
    assert [(line["sku_id"], line["quantity"]) for line in body["lines"]] == [(sku.pk, 5)]
    assert stock(sku) == 5


def test_expires_at_is_in_the_future(member_api):
    body = place(member_api, [(SKUFactory(), 1)]).json()
    order = Order.objects.get(number=body["number"])
    assert order.expires_at > timezone.now()
