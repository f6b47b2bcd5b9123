from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import InvalidStatus
from mall.models import Carrier, Order, OrderEvent, OrderStatus
from mall.services.fulfilment import order_ship, orders_complete_due
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import shop_settings
from tests.journeys import pay_at_cashier, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(member_api):
    return pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=9900)))


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, is_superuser=True, openid=None)


def test_shipping_records_carrier_and_tracking(paid_order, operator):
    order = order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.SHIPPED, "SF", "SF1234567890")
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.to_status, event.actor, event.actor_kind) == ("shipped", operator, "operator")


def test_only_paid_orders_ship(member_api, operator):
    order = place_order(member_api, SKUFactory())
    with pytest.raises(InvalidStatus):
        order_ship(order=order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)


def test_the_shopper_confirms_receipt_and_the_after_sales_window_starts(member_api, paid_order, operator):
    shop_settings(**{"after_sales_days": 7})
    order_ship(order=paid_order, carrier=Carrier.ZTO, tracking_number="ZTO0000000001", by=operator)
    response = member_api.post(f"/api/v1/orders/{paid_order.number}/confirm-receipt")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    order = Order.objects.get(pk=paid_order.pk)
    assert order.after_sales_deadline - order.completed_at == timedelta(days=7)
    again = member_api.post(f"/api/v1/orders/{paid_order.number}/confirm-receipt")
    assert again.status_code == 409 and again.json()["code"] == "invalid_status"


def test_receipt_can_only_be_confirmed_for_shipped_orders(member_api, paid_order):
    assert member_api.post(f"/api/v1/orders/{paid_order.number}/confirm-receipt").status_code == 409


def test_nobody_else_can_confirm_receipt(api_for, paid_order, operator):
    order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    assert api_for(MemberFactory()).post(f"/api/v1/orders/{paid_order.number}/confirm-receipt").status_code == 404
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.SHIPPED


def test_orders_complete_by_themselves_after_the_set_days(paid_order, operator):
    shop_settings(**{"auto_complete_days": 10, "after_sales_days": 7})
    order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    Order.objects.filter(pk=paid_order.pk).update(shipped_at=timezone.now() - timedelta(days=9, hours=23))
    assert orders_complete_due() == 0
    Order.objects.filter(pk=paid_order.pk).update(shipped_at=timezone.now() - timedelta(days=10, minutes=1))
    assert orders_complete_due() == 1
    assert orders_complete_due() == 0
    order = Order.objects.get(pk=paid_order.pk)
    assert order.status == OrderStatus.COMPLETED and order.after_sales_deadline > timezone.now() + timedelta(days=6)
    assert OrderEvent.objects.filter(order=order, to_status="completed", actor_kind="system").count() == 1


def test_admin_ships_several_orders_at_once(client, member_api, operator):
    orders = [pay_at_cashier(member_api, place_order(member_api, SKUFactory())) for _ in range(2)]
    client.force_login(operator)
    page = client.post("/admin/mall/order/", {"action": "ship_orders", "_selected_action": [o.pk for o in orders]})
    assert page.status_code == 200 and "确认发货" in page.content.decode()
    form = {"action": "ship_orders", "apply": "1", "_selected_action": [o.pk for o in orders]}
    for index, order in enumerate(orders):
        form[f"o{order.pk}-carrier"] = "YTO"
        form[f"o{order.pk}-tracking_number"] = f"YT00000000{index}"
    invalid = {**form, f"o{orders[1].pk}-tracking_number": "x"}
    assert client.post("/admin/mall/order/", invalid).status_code == 200  # shown again, nothing shipped
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PAID}
    assert client.post("/admin/mall/order/", form).status_code == 302
    assert list(Order.objects.order_by("id").values_list("status", "tracking_number")) == [("shipped", "YT000000000"), ("shipped", "YT000000001")]


def test_admin_ships_one_order_from_its_row(client, paid_order, operator):
    client.force_login(operator)
    url = f"/admin/mall/order/{paid_order.pk}/ship/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"apply": "1", f"o{paid_order.pk}-carrier": "JD", f"o{paid_order.pk}-tracking_number": "JD0001234567"})
    assert response.status_code == 302
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.SHIPPED


def test_the_ship_form_shows_the_items_the_buyers_note_and_the_merchant_note(client, paid_order, operator):
    line = paid_order.lines.get()
    Order.objects.filter(pk=paid_order.pk).update(note="请用纸箱包装，不要放发票", operator_note="老客户，送小样")
    client.force_login(operator)
    page = client.get(f"/admin/mall/order/{paid_order.pk}/ship/").content.decode()
    for text in (line.title, f"× <strong>{line.quantity}</strong>", "买家留言：</strong>请用纸箱包装，不要放发票", "商家备注：</strong>老客户，送小样"):
        assert text in page
    if line.spec_label:
        assert line.spec_label in page
