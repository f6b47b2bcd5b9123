"""Refund requests with a kind (仅退款 / 退货退款), chosen items, photos; refunds shown on the orders."""

import base64
import io

import pytest
from PIL import Image

from mall.models import Carrier, Order, OrderStatus, Refund, RefundStatus
from mall.services.aftersales import refund_approve
from mall.services.fulfilment import order_ship
from tests.factories import MemberFactory, SKUFactory
from tests.journeys import pay_at_cashier
from tests.mall.test_aftersales import approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, is_superuser=True, openid=None)


@pytest.fixture
def two_line_order(member_api):
    """Two of a 30.00 SKU and one of a 50.00 SKU: 110.00 paid, free shipping."""
    cheap, dear = SKUFactory(price_fen=3000, stock=10), SKUFactory(price_fen=5000, stock=10)
    response = member_api.post(
        "/api/v1/orders",
        {"lines": [{"sku_id": cheap.pk, "quantity": 2}, {"sku_id": dear.pk, "quantity": 1}], "address": {
            "name": "张三", "phone": "13800138000", "province": "广东省", "city": "深圳市", "district": "南山区", "detail": "科技园 1 号",
        }},
        format="json",
    )
    assert response.status_code == 201, response.json()
    order = pay_at_cashier(member_api, Order.objects.get(number=response.json()["number"]))
    assert order.paid_total_fen == 11000
    return order


@pytest.fixture
def shipped_order(two_line_order, operator):
    return order_ship(order=two_line_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)


def line_ids(order) -> list[int]:
    return list(order.lines.order_by("id").values_list("id", flat=True))


def ask(api, order, **body):
    return api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "质量问题", **body}, format="json")


def photo(fmt="JPEG", size=(40, 30)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def test_the_amount_defaults_to_what_the_chosen_items_paid(member_api, two_line_order):
    cheap, _ = line_ids(two_line_order)
    response = ask(member_api, two_line_order, items=[{"line_id": cheap, "quantity": 1}], note="一件有划痕")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["refund_type"], body["amount_fen"], body["note"]) == ("refund_only", 3000, "一件有划痕")
    assert body["items"] == [{"line_id": cheap, "quantity": 1}]
    assert not Refund.objects.get().restock  # part of an unshipped order: nothing goes back on the shelf


def test_every_item_left_brings_the_whole_rest(member_api, two_line_order):
    cheap, dear = line_ids(two_line_order)
    response = ask(member_api, two_line_order, items=[{"line_id": cheap, "quantity": 2}, {"line_id": dear, "quantity": 1}])
    assert response.json()["amount_fen"] == 11000 and Refund.objects.get().restock


def test_the_amount_may_go_down_but_never_above_the_items(member_api, two_line_order):
    cheap, _ = line_ids(two_line_order)
    too_much = ask(member_api, two_line_order, items=[{"line_id": cheap, "quantity": 1}], amount_fen=3001)
    assert too_much.status_code == 400
    assert too_much.json()["code"] == "validation_error" and "最多可退 ¥30.00" in too_much.json()["detail"]
    assert ask(member_api, two_line_order, items=[{"line_id": cheap, "quantity": 1}], amount_fen=1500).json()["amount_fen"] == 1500


@pytest.mark.parametrize("items", [
    [{"line_id": 0, "quantity": 1}], [{"line_id": -1, "quantity": 1}], [{"line_id": "x", "quantity": 1}],
    [{"line_id": 1, "quantity": 0}], "all",
])
def test_malformed_items_are_400(member_api, two_line_order, items):
    response = ask(member_api, two_line_order, items=items)
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert not Refund.objects.exists()


def test_items_of_another_order_or_too_many_are_refused(member_api, two_line_order):
    cheap, _ = line_ids(two_line_order)
    for items, message in [
        ([{"line_id": cheap + 1000, "quantity": 1}], "所选商品不在该订单中"),
        ([{"line_id": cheap, "quantity": 3}], "最多可申请 2 件"),
        ([{"line_id": cheap, "quantity": 1}, {"line_id": cheap, "quantity": 1}], "同一商品请只选一次"),
    ]:
        response = ask(member_api, two_line_order, items=items)
        assert response.status_code == 400 and message in response.json()["detail"]
    assert Order.objects.get(pk=two_line_order.pk).status == OrderStatus.PAID


def test_items_already_refunded_cannot_be_asked_for_again(member_api, shipped_order, operator, django_capture_on_commit_callbacks):
    cheap, _ = line_ids(shipped_order)
    approve(Refund.objects.get(pk=ask(member_api, shipped_order, items=[{"line_id": cheap, "quantity": 2}]).json()["id"]), operator,
            django_capture_on_commit_callbacks)
    again = ask(member_api, shipped_order, items=[{"line_id": cheap, "quantity": 1}])
    assert again.status_code == 400 and "最多可申请 0 件" in again.json()["detail"]


def test_a_return_needs_the_goods_shipped(member_api, two_line_order):
    response = ask(member_api, two_line_order, refund_type="return_and_refund")
    assert response.status_code == 400 and response.json()["detail"] == "商品尚未发货，请申请仅退款"
    assert ask(member_api, two_line_order, refund_type="exchange").json()["detail"].endswith("售后类型只能是仅退款或退货退款")


def test_a_return_is_refunded_once_the_goods_are_back(client, member_api, shipped_order, operator, django_capture_on_commit_callbacks):
    _, dear = line_ids(shipped_order)
    body = ask(member_api, shipped_order, refund_type="return_and_refund", items=[{"line_id": dear, "quantity": 1}], photos=[photo()]).json()
    assert (body["refund_type_display"], body["amount_fen"], len(body["photo_urls"])) == ("退货退款", 5000, 1)
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/mall/refund/", {"action": "approve", "apply": "1", "_selected_action": [body["id"]]})
    refund = Refund.objects.get(pk=body["id"])
    assert refund.status == RefundStatus.RETURNING  # nothing paid out before the goods come back
    assert Order.objects.get(pk=shipped_order.pk).refunded_fen == 0
    assert "确认收货并退款" in client.post("/admin/mall/refund/", {"action": "receive_return", "_selected_action": [refund.pk]}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/mall/refund/", {"action": "receive_return", "apply": "1", "tracking_number": "YT9876543210", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert (refund.status, refund.return_tracking_number) == (RefundStatus.REFUNDED, "YT9876543210")
    order = Order.objects.get(pk=shipped_order.pk)
    assert (order.status, order.refunded_fen) == (OrderStatus.SHIPPED, 5000)


def test_the_operator_sees_the_items_and_photos(client, member_api, shipped_order, operator):
    cheap, _ = line_ids(shipped_order)
    body = ask(member_api, shipped_order, items=[{"line_id": cheap, "quantity": 2}], note="两件都坏了", photos=[photo(), photo("PNG")]).json()
    client.force_login(operator)
    html = client.get(f"/admin/mall/refund/{body['id']}/change/").content.decode()
    refund = Refund.objects.get(pk=body["id"])
    assert f"{refund.lines.get().order_line.title}" in html and "× 2" in html and "两件都坏了" in html
    for each in refund.photos.all():
        assert f'src="{each.image.url}"' in html
    assert "仅退款" in client.get("/admin/mall/refund/").content.decode()


def test_approving_a_return_twice_is_refused(member_api, shipped_order, operator):
    refund = Refund.objects.get(pk=ask(member_api, shipped_order, refund_type="return_and_refund").json()["id"])
    refund_approve(refund=refund, by=operator)
    with pytest.raises(Exception, match="该申请已处理"):
        refund_approve(refund=refund, by=operator)


def test_photos_are_stored_as_sent(member_api, two_line_order):
    response = ask(member_api, two_line_order, photos=[photo(), f"data:image/png;base64,{photo('PNG')}"])
    assert response.status_code == 201, response.json()
    names = [p.image.name for p in Refund.objects.get().photos.all()]
    assert [name.rsplit(".", 1)[1] for name in names] == ["jpg", "png"] and all(name.startswith("refunds/") for name in names)


@pytest.mark.parametrize("photos, message", [
    (["bm90IGFuIGltYWdl"], "第 1 张图片不是有效的 JPEG 或 PNG 图片"),  # "not an image"
    ([photo(), photo("GIF")], "第 2 张图片不是有效的 JPEG 或 PNG 图片"),
    (["%%%"], "图片数据无法识别"),
    ([photo()] * 4, "最多上传 3 张图片"),
])
def test_bad_photos_are_400_and_change_nothing(member_api, two_line_order, photos, message):
    response = ask(member_api, two_line_order, photos=photos)
    assert response.status_code == 400 and message in response.json()["detail"], response.json()
    assert not Refund.objects.exists() and Order.objects.get(pk=two_line_order.pk).status == OrderStatus.PAID


def test_a_photo_over_the_size_cap_is_refused(member_api, two_line_order, monkeypatch):
    monkeypatch.setattr("mall.services.aftersales.MAX_REFUND_PHOTO_BYTES", 100)
    response = ask(member_api, two_line_order, photos=[photo(size=(400, 400))])
    assert response.status_code == 400 and "超过 2 MB" in response.json()["detail"]


def test_nobody_else_can_ask(api_for, two_line_order):
    cheap, _ = line_ids(two_line_order)
    assert ask(api_for(MemberFactory()), two_line_order, items=[{"line_id": cheap, "quantity": 1}]).status_code == 404


def test_the_request_page_offers_a_return_only_once_shipped(client, member, member_api, two_line_order, operator):
    client.force_login(member)
    html = client.get(f"/orders/{two_line_order.number}/refund/").content.decode()
    assert 'value="refund_only"' in html and 'value="return_and_refund"' not in html
    order_ship(order=two_line_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    html = client.get(f"/orders/{two_line_order.number}/refund/").content.decode()
    assert "仅退款" in html and 'value="return_and_refund"' in html and "退货退款" in html
    assert 'type="file" name="photos" accept="image/jpeg,image/png"' in html and "质量问题" in html


def test_the_request_page_offers_only_the_items_left(client, member, member_api, shipped_order, operator, django_capture_on_commit_callbacks):
    cheap, dear = line_ids(shipped_order)
    approve(Refund.objects.get(pk=ask(member_api, shipped_order, items=[{"line_id": cheap, "quantity": 1}]).json()["id"]), operator,
            django_capture_on_commit_callbacks)
    client.force_login(member)
    html = client.get(f"/orders/{shipped_order.number}/refund/").content.decode()
    assert f'data-line="{cheap}" data-pay="6000" data-quantity="2" data-left="1"' in html
    assert f'data-line="{dear}" data-pay="5000" data-quantity="1" data-left="1"' in html


def test_the_order_list_and_detail_show_what_was_refunded(client, member, member_api, shipped_order, operator, django_capture_on_commit_callbacks):
    cheap, _ = line_ids(shipped_order)
    approve(Refund.objects.get(pk=ask(member_api, shipped_order, items=[{"line_id": cheap, "quantity": 1}], amount_fen=2550).json()["id"]),
            operator, django_capture_on_commit_callbacks)
    client.force_login(member)
    listing = client.get("/orders/").content.decode()
    assert "实付" in listing and "已退 ¥25.50" in listing
    detail = client.get(f"/orders/{shipped_order.number}/").content.decode()
    assert "<span>已退</span><span>¥25.50</span>" in detail and "仅退款 ¥25.50" in detail
