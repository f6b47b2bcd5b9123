"""Admin CSV and Excel exports: shoppers' text never becomes a formula, never breaks the
file, and the orders export has one row per order line."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from config.exports import safe_cell
from config.money import format_yuan
from mall.models import Order
from mall.services.orders import LineRequest, order_create
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import DESTINATION

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def boss(client):
    member = MemberFactory(is_staff=True, is_superuser=True)
    client.force_login(member)
    return member


def export(client, path: str, action: str, objects) -> list[list]:
    """POST the changelist action as the admin's checkbox form does; the rows as read back."""
    response = client.post(path, {"action": action, "_selected_action": [o.pk for o in objects]})
    assert response.status_code == 200
    if action == "export_csv":
        text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
        return list(csv.reader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row), "a cell was written as a formula"
    return [list(row) for row in sheet.values]


def column(rows: list[list], header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def two_line_order(member=None):
    red_m = SKUFactory(spec={"颜色": "红", "尺码": "M"}, price_fen=5000)
    black_l = SKUFactory(spec={"颜色": "黑", "尺码": "L"}, price_fen=1990)
    return order_create(
        member=member or MemberFactory(),
        destination=DESTINATION,
        lines=[LineRequest(sku_id=red_m.pk, quantity=2), LineRequest(sku_id=black_l.pk, quantity=1)],
    )


@pytest.fixture
def hostile_order():
    """What a shopper can store: a formula in the note, a control character in the name
    (stored directly, as older rows or another client may hold it)."""
    order = two_line_order(MemberFactory(nickname=HYPERLINK))
    Order.objects.filter(pk=order.pk).update(note="@SUM(1+1)", receiver_name="王\x06五")
    return order


@pytest.mark.parametrize("file_format", ["0", "1"])  # the member list's 导出 (django-import-export): CSV, xlsx
def test_member_nickname_formula_is_exported_as_text(client, boss, file_format):
    MemberFactory(nickname=HYPERLINK)
    MemberFactory(nickname="小明")
    content = client.post("/admin/members/member/export/", {"format": file_format, "resource": "0"}).content
    if file_format == "0":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8").removeprefix("\ufeff"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "a cell was written as a formula"
        rows = [list(row) for row in sheet.values]
    assert sorted(column(rows, "昵称")) == sorted(["'" + HYPERLINK, "小明"])


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_order_note_formula_and_control_character_are_neutralised(client, boss, hostile_order, action):
    rows = export(client, "/admin/mall/order/", action, [hostile_order])
    assert set(column(rows, "留言")) == {"'@SUM(1+1)"}
    assert set(column(rows, "收货人")) == {"王五"}
    assert set(column(rows, "会员")) == {"'" + HYPERLINK}
    assert not any(isinstance(cell, str) and cell.startswith(("=", "+", "@", "\t")) for row in rows for cell in row)


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_orders_export_has_one_row_per_line(client, boss, action):
    order = two_line_order()
    rows = export(client, "/admin/mall/order/", action, [order])
    assert rows[0][-4:] == ["商品", "规格", "数量", "单价（元）"]
    # PostgreSQL's jsonb keeps its own key order, so the spec's parts are compared as a set.
    lines = [[title, set(spec.split(" / ")), quantity, price] for title, spec, quantity, price in (row[-4:] for row in rows[1:])]
    titles = list(order.lines.values_list("title", flat=True))
    number = (lambda n: n) if action == "export_xlsx" else str  # a number stays a number in Excel
    assert lines == [
        [titles[0], {"颜色:红", "尺码:M"}, number(2), "50.00"],
        [titles[1], {"颜色:黑", "尺码:L"}, number(1), "19.90"],
    ]
    assert column(rows, "订单号") == [order.number, order.number]  # the order's columns on every line
    assert column(rows, "微信支付（元）") == [format_yuan(order.pay_fen)] * 2


def queries_to_export(client, orders) -> int:
    with CaptureQueriesContext(connection) as captured:
        export(client, "/admin/mall/order/", "export_csv", orders)
    return len(captured)


def test_orders_export_query_count_does_not_grow_with_orders(client, boss):
    few = [two_line_order()]
    assert queries_to_export(client, few) == queries_to_export(client, few + [two_line_order() for _ in range(4)])


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-12, -12),
        (Decimal("-1.50"), Decimal("-1.50")),
        (3.5, 3.5),
        ("-12.50", "-12.50"),  # format_yuan of a negative amount: data, not a formula
        ("小明", "小明"),
        ("a=b+c", "a=b+c"),
        ("", ""),
        (None, ""),
        ("=1+1", "'=1+1"),
        ("+8613800138000", "'+8613800138000"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'=1+1"),  # CR is removed, and what it hid is still neutralised
        ("\n=1+1", "'\n=1+1"),
        ("王\x06五\x00", "王五"),
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("\x07=cmd", "'=cmd"),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_safe_cell_keeps_the_type_of_numbers():
    assert type(safe_cell(-12)) is int and type(safe_cell(True)) is bool
