"""The order and refund exports carry their items: one row per order line (货号, title,
spec with its names, quantity, unit price) with the order's columns repeated, and one row
per item of an after-sales request — read back from the CSV and the Excel file an operator
downloads, in as many queries for fifty orders as for one."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from mall.models import Order, OrderStatus
from mall.services.aftersales import RefundItem, refund_request
from mall.services.orders import LineRequest, order_create
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import DESTINATION

pytestmark = pytest.mark.django_db

ITEM_COLUMNS = ["货号", "商品", "规格", "数量", "单价（元）"]


@pytest.fixture
def boss(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))


def exported(client, path: str, action: str, objects) -> list[dict]:
    """The rows of the file the action answers with, each as {header: cell}."""
    response = client.post(path, {"action": action, "_selected_action": [o.pk for o in objects]})
    assert response.status_code == 200
    if action == "export_csv":
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff"))))
    else:
        rows = [["" if cell is None else cell for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.values]
    header, *body = rows
    assert len(set(header)) == len(header), header  # every column findable by its name
    return [dict(zip(header, row, strict=True)) for row in body]


def paid_order(*lines: tuple, member=None) -> Order:
    order = order_create(member=member or MemberFactory(), destination=DESTINATION,
                         lines=[LineRequest(sku_id=sku.pk, quantity=quantity) for sku, quantity in lines])
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
    order.refresh_from_db()
    return order


@pytest.fixture
def shirt_and_socks():
    shirt = SKUFactory(code="TS-WHT-L", product__title="纯棉短袖T恤", spec={"颜色": "白", "尺码": "L"}, price_fen=7900)
    socks = SKUFactory(code="SK-GRY", product__title="棉袜", spec={"颜色": "灰"}, price_fen=1500)
    return shirt, socks


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_each_order_line_is_a_row_with_sku_code_title_spec_quantity_and_price(client, boss, shirt_and_socks, action):
    shirt, socks = shirt_and_socks
    order = paid_order((shirt, 2), (socks, 3))
    rows = exported(client, "/admin/mall/order/", action, [order])

    number = str if action == "export_csv" else (lambda n: n)  # Excel keeps a quantity a number
    items = [[row[column] for column in ITEM_COLUMNS] for row in rows]
    for item in items:
        item[2] = set(item[2].split(" / "))  # PostgreSQL's jsonb keeps its own key order
    assert items == [
        ["TS-WHT-L", "纯棉短袖T恤", {"颜色:白", "尺码:L"}, number(2), "79.00"],
        ["SK-GRY", "棉袜", {"颜色:灰"}, number(3), "15.00"],
    ]
    assert [(row["订单号"], row["状态"], row["收货人"]) for row in rows] == [(order.number, "待发货", "王五")] * 2


def test_an_order_without_lines_still_has_its_row(client, boss, shirt_and_socks):
    order = paid_order((shirt_and_socks[0], 1))
    order.lines.all().delete()  # as an order of a removed product might be in an old database
    [row] = exported(client, "/admin/mall/order/", "export_csv", [order])
    assert row["订单号"] == order.number and [row[column] for column in ITEM_COLUMNS] == [""] * 5


def queries_to_export(client, path: str, objects) -> int:
    with CaptureQueriesContext(connection) as captured:
        exported(client, path, "export_csv", objects)
    return len(captured)


def test_the_item_rows_cost_no_query_per_order(client, boss, shirt_and_socks):
    shirt, socks = shirt_and_socks
    one = [paid_order((shirt, 1), (socks, 1))]
    many = one + [paid_order((SKUFactory(code=f"X-{n}"), 1), (socks, 2)) for n in range(5)]
    assert queries_to_export(client, "/admin/mall/order/", one) == queries_to_export(client, "/admin/mall/order/", many)


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_the_refund_export_lists_the_items_asked_about(client, boss, shirt_and_socks, action):
    shirt, socks = shirt_and_socks
    member = MemberFactory()
    order = paid_order((shirt, 2), (socks, 3), member=member)
    lines = {line.sku_id: line for line in order.lines.all()}
    by_items = refund_request(order=order, member=member, reason="尺码不合适",
                              items=[RefundItem(order_line_id=lines[shirt.pk].pk, quantity=1), RefundItem(order_line_id=lines[socks.pk].pk, quantity=2)])
    rows = exported(client, "/admin/mall/refund/", action, [by_items])

    number = str if action == "export_csv" else (lambda n: n)
    assert [(row["退款单号"], row["货号"], row["商品"], row["售后数量"]) for row in rows] == [
        (by_items.out_refund_no, "TS-WHT-L", "纯棉短袖T恤", number(1)),
        (by_items.out_refund_no, "SK-GRY", "棉袜", number(2)),
    ]
    assert set(rows[0]["规格"].split(" / ")) == {"颜色:白", "尺码:L"}
    assert {row["金额（元）"] for row in rows} == {"109.00"}  # one of two shirts (79.00) and two of three pairs (30.00), on each row


def test_a_whole_order_refund_exports_one_row_without_items(client, boss, shirt_and_socks):
    member = MemberFactory()
    order = paid_order((shirt_and_socks[0], 1), member=member)
    whole = refund_request(order=order, member=member, reason="不想要了")
    [row] = exported(client, "/admin/mall/refund/", "export_csv", [whole])
    assert row["退款单号"] == whole.out_refund_no and (row["货号"], row["商品"], row["售后数量"]) == ("", "", "")


def test_the_refund_export_costs_no_query_per_request(client, boss, shirt_and_socks):
    shirt, socks = shirt_and_socks

    def request_for_items():
        member = MemberFactory()
        order = paid_order((shirt, 1), (socks, 1), member=member)
        return refund_request(order=order, member=member, reason="质量问题",
                              items=[RefundItem(order_line_id=line.pk, quantity=1) for line in order.lines.all()])

    one = [request_for_items()]
    many = one + [request_for_items() for _ in range(4)]
    assert queries_to_export(client, "/admin/mall/refund/", one) == queries_to_export(client, "/admin/mall/refund/", many)
