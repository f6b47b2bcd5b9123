"""Steps many tests take: an order placed through the API, paid through the emulator."""

from django.test import Client

from mall.models import Order
from tests.helpers import ADDRESS


def place_order(api, sku, quantity: int = 1) -> Order:
    response = api.post("/api/v1/orders", {"lines": [{"sku_id": sku.pk, "quantity": quantity}], "address": ADDRESS}, format="json")
    assert response.status_code == 201, response.json()
    return Order.objects.get(number=response.json()["number"])


def pay_at_cashier(api, order: Order) -> Order:
    """The shopper taps pay: /pay, then "确认支付" on the emulator's cashier, which sends
    WeChat's notification to the shop."""
    cashier_url = api.post(f"/api/v1/orders/{order.number}/pay").json()["cashier_url"]
    response = Client().post(cashier_url, {"action": "pay"})
    assert response.status_code == 302, response.content.decode()[:500]
    order.refresh_from_db()
    return order
