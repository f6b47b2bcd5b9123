"""order_json (the orders' answers, written out for speed) against OrderSerializer (what the
schema documents): the same JSON at every step of an order's life."""

import json

import pytest

from mall import selectors
from mall.api.orders import OrderSerializer, order_json
from mall.models import Carrier
from mall.services.fulfilment import order_ship
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import ADDRESS
from tests.journeys import pay_at_cashier, place_order

pytestmark = pytest.mark.django_db


def same(member, number: str) -> dict:
    """Both renderings of the member's order as the API reads it, compared as JSON."""
    order = selectors.member_order(member=member, number=number)
    written, documented = order_json(order), OrderSerializer(order).data
    assert json.loads(json.dumps(written)) == json.loads(json.dumps(documented))
    return written


def test_an_order_reads_the_same_written_out_as_through_the_serializer(member_api, member):
    sku = SKUFactory(price_fen=2350, stock=10, spec={"颜色": "红", "尺码": 42})
    order = place_order(member_api, sku, 2)
    placed = same(member, order.number)
    assert placed["status"] == "pending_payment" and placed["lines"][0]["spec"] == {"颜色": "红", "尺码": "42"}
    assert placed["paid_at"] is None and placed["refunds"] == []

    pay_at_cashier(member_api, order)
    assert same(member, order.number)["paid_at"]

    operator = MemberFactory(is_staff=True, is_superuser=True, openid=None)
    order_ship(order=order, carrier=Carrier.choices[0][0], tracking_number="SF123", by=operator)
    shipped = same(member, order.number)
    assert shipped["carrier_display"] and shipped["tracking_number"] == "SF123"

    asked = member_api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了", "amount_fen": 100}, format="json")
    assert asked.status_code == 201, asked.json()
    with_refund = same(member, order.number)
    assert [refund["amount_fen"] for refund in with_refund["refunds"]] == [100]


def test_the_created_order_answers_what_a_read_gives(member_api, member):
    """POST answers from the rows it wrote (no read-back): the same as reading the order."""
    sku = SKUFactory(price_fen=990, stock=5)
    response = member_api.post("/api/v1/orders", {"lines": [{"sku_id": sku.pk, "quantity": 3}], "address": ADDRESS}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == same(member, response.json()["number"])
