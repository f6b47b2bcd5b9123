"""Refund requests, review, WeChat refunds and their notifications."""

from datetime import timedelta

import pytest
import xmltodict
from django.utils import timezone

from mall.models import SKU, Carrier, Order, OrderStatus, Refund, RefundStatus
from mall.services.aftersales import refund_approve, refund_reject, refund_retry, refund_submit
from mall.services.fulfilment import order_confirm_receipt, order_ship
from tests.factories import MemberFactory, SKUFactory
from tests.journeys import pay_at_cashier, place_order
from tests.wechat_notices import refund_xml
from wechat.emulator.models import MchRefund

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku():
    return SKUFactory(price_fen=10000, stock=10)


@pytest.fixture
def paid_order(member_api, sku):
    return pay_at_cashier(member_api, place_order(member_api, sku, 1))  # 100.00, free shipping


@pytest.fixture
def operator():
    return MemberFactory(is_staff=True, is_superuser=True, openid=None)


def ask(api, order, **body):
    return api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了", **body}, format="json")


def approve(refund, operator, capture):
    """Approve, then let WeChat (the emulator) refund and notify, as after commit."""
    with capture(execute=True):
        refund_approve(refund=refund, by=operator)
    refund.refresh_from_db()
    return refund


def stock(sku) -> int:
    return SKU.objects.get(pk=sku.pk).stock


def test_asking_for_a_refund_puts_the_order_in_refunding(member_api, member, paid_order):
    response = ask(member_api, paid_order)
    assert response.status_code == 201
    body = response.json()
    assert (body["amount_fen"], body["status"], body["reason"]) == (10000, "requested", "不想要了")
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.REFUNDING
    refund = Refund.objects.get()
    assert (refund.requested_by, refund.order_status_before, refund.restock) == (member, OrderStatus.PAID, True)


def test_full_refund_before_shipping_returns_money_and_stock(member_api, paid_order, sku, operator, django_capture_on_commit_callbacks):
    assert stock(sku) == 9
    refund = approve(Refund.objects.get(pk=ask(member_api, paid_order).json()["id"]), operator, django_capture_on_commit_callbacks)
    assert refund.status == RefundStatus.REFUNDED and refund.wechat_refund_id and refund.refunded_at
    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 10000)
    assert stock(sku) == 10
    assert MchRefund.objects.get().refund_fee == 10000


def test_partial_refund_returns_the_order_to_where_it_was(member_api, paid_order, sku, operator, django_capture_on_commit_callbacks):
    order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    refund = Refund.objects.get(pk=ask(member_api, paid_order, amount_fen=2550).json()["id"])
    assert not refund.restock
    approve(refund, operator, django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.refunded_fen, order.refundable_fen) == (OrderStatus.SHIPPED, 2550, 7450)
    assert stock(sku) == 9  # shipped goods are not back on the shelf


def test_partial_refunds_add_up_to_the_fen(member_api, paid_order, operator, django_capture_on_commit_callbacks):
    for amount in (3333, 3333, 3333):
        approve(Refund.objects.get(pk=ask(member_api, paid_order, amount_fen=amount).json()["id"]), operator, django_capture_on_commit_callbacks)
    order = Order.objects.get(pk=paid_order.pk)
    assert (order.refunded_fen, order.status) == (9999, OrderStatus.PAID)
    last = ask(member_api, paid_order)  # no amount: whatever is left, exactly
    assert last.json()["amount_fen"] == 1
    approve(Refund.objects.get(pk=last.json()["id"]), operator, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (10000, OrderStatus.REFUNDED)
    assert sum(Refund.objects.values_list("amount_fen", flat=True)) == order.pay_fen
    assert ask(member_api, paid_order).status_code == 409  # nothing left to refund


@pytest.mark.parametrize("amount", [0, -5, 10001, 1.5, "100", True])
def test_bad_amounts_are_400_and_change_nothing(member_api, paid_order, amount):
    response = ask(member_api, paid_order, amount_fen=amount)
    assert response.status_code == 400 and "amount_fen" in response.json()["fields"]
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID and not Refund.objects.exists()


def test_a_reason_is_required(member_api, paid_order):
    response = member_api.post(f"/api/v1/orders/{paid_order.number}/refunds", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["fields"]


def test_one_request_at_a_time(member_api, paid_order):
    assert ask(member_api, paid_order, amount_fen=100).status_code == 201
    second = ask(member_api, paid_order, amount_fen=100)
    assert second.status_code == 409 and second.json()["code"] == "invalid_status"


def test_unpaid_orders_cannot_ask(member_api, sku):
    order = place_order(member_api, sku)
    assert ask(member_api, order).status_code == 409


def test_the_after_sales_window_closes(member_api, member, paid_order, operator):
    order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    order_confirm_receipt(order=paid_order, member=member)
    Order.objects.filter(pk=paid_order.pk).update(after_sales_deadline=timezone.now() - timedelta(seconds=1))
    response = ask(member_api, paid_order)
    assert response.status_code == 409 and response.json()["code"] == "after_sales_closed"


def test_nobody_else_can_ask(api_for, paid_order):
    assert ask(api_for(MemberFactory()), paid_order).status_code == 404


def test_rejecting_returns_the_order_to_its_status(member_api, member, paid_order, operator):
    order_ship(order=paid_order, carrier=Carrier.SF, tracking_number="SF1234567890", by=operator)
    order_confirm_receipt(order=paid_order, member=member)
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    refund_reject(refund=refund, by=operator, reason="商品已使用，不支持退货")
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.COMPLETED
    shown = member_api.get(f"/api/v1/orders/{paid_order.number}").json()["refunds"][0]
    assert (shown["status"], shown["reject_reason"]) == ("rejected", "商品已使用，不支持退货")
    with pytest.raises(Exception):
        refund_approve(refund=refund, by=operator)


def test_approving_twice_refunds_once(member_api, paid_order, operator, django_capture_on_commit_callbacks):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    approve(refund, operator, django_capture_on_commit_callbacks)
    with pytest.raises(Exception):
        refund_approve(refund=refund, by=operator)
    assert refund_submit(refund_id=refund.pk) == "not approved"
    assert MchRefund.objects.count() == 1


def test_submitting_the_same_refund_again_is_refunded_once_by_wechat(member_api, paid_order, operator):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    refund_approve(refund=refund, by=operator)  # no commit callbacks: the task has not run
    assert refund_submit(refund_id=refund.pk) == "submitted"
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.APPROVED)  # as if the answer was lost
    assert refund_submit(refund_id=refund.pk) == "submitted"
    assert MchRefund.objects.count() == 1


def refund_notify(client, body) -> str:
    response = client.post("/wechat/pay/refund-notify/", body, content_type="text/xml")
    assert response.status_code == 200
    return xmltodict.parse(response.content)["xml"]["return_code"]


@pytest.fixture
def submitted(member_api, paid_order, operator):
    refund = Refund.objects.get(pk=ask(member_api, paid_order, amount_fen=4000).json()["id"])
    refund_approve(refund=refund, by=operator)
    refund_submit(refund_id=refund.pk)  # accepted by WeChat; the notification is ours to send
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING
    return refund


def notice_for(refund, **overrides) -> bytes:
    fields = {"out_refund_no": refund.out_refund_no, "out_trade_no": refund.order.number, "refund_fee": refund.amount_fen, "total_fee": refund.order.pay_fen}
    return refund_xml(**{**fields, **overrides})


def test_the_refund_notification_is_decrypted_and_counted_once(client, submitted):
    assert refund_notify(client, notice_for(submitted)) == "SUCCESS"
    assert refund_notify(client, notice_for(submitted)) == "SUCCESS"
    order = Order.objects.get(pk=submitted.order_id)
    assert order.refunded_fen == 4000 and order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    "overrides",
    [{"key": "another-merchants-api-key-000000"}, {"appid": "wx0000000000000000"}, {"refund_fee": 3999}, {"out_refund_no": "R0000"}],
)
def test_refund_notifications_that_are_not_ours_change_nothing(client, submitted, overrides):
    assert refund_notify(client, notice_for(submitted, **overrides)) == "FAIL"
    assert Refund.objects.get(pk=submitted.pk).status == RefundStatus.PROCESSING
    assert Order.objects.get(pk=submitted.order_id).refunded_fen == 0


@pytest.mark.parametrize("body", [b"", b"<xml><return_code>SUCCESS</return_code><req_info>bm90IGVuY3J5cHRlZA==</req_info></xml>", b"junk"])
def test_malformed_refund_notifications_answer_fail(client, submitted, body):
    assert refund_notify(client, body) == "FAIL"


def test_a_refund_wechat_closes_fails_and_can_be_retried(client, submitted, operator, django_capture_on_commit_callbacks):
    assert refund_notify(client, notice_for(submitted, status="REFUNDCLOSE")) == "SUCCESS"
    refund = Refund.objects.get(pk=submitted.pk)
    assert refund.status == RefundStatus.FAILED and "REFUNDCLOSE" in refund.failure_reason
    assert Order.objects.get(pk=submitted.order_id).status == OrderStatus.REFUNDING  # still in the operator's hands
    with django_capture_on_commit_callbacks(execute=True):
        refund_retry(refund=refund, by=operator)
    assert Refund.objects.get(pk=submitted.pk).status == RefundStatus.REFUNDED
    assert MchRefund.objects.count() == 1  # same out_refund_no: WeChat refunds it once


def test_operators_approve_in_the_admin(client, member_api, paid_order, operator, django_capture_on_commit_callbacks):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    client.force_login(operator)
    assert client.get("/admin/mall/refund/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/mall/refund/", {"action": "approve", "apply": "1", "_selected_action": [refund.pk]}, follow=True)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.REFUNDED
    assert [str(m) for m in response.context["messages"]] == ["已同意 1 个"]


def test_approving_in_the_admin_first_shows_what_goes_back_and_changes_nothing(client, member_api, paid_order, operator, api_for):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    other = SKUFactory(price_fen=2550, stock=5)
    someone = MemberFactory()
    second = Refund.objects.get(pk=ask(api_for(someone), pay_at_cashier(api_for(someone), place_order(api_for(someone), other))).json()["id"])
    client.force_login(operator)
    page = client.post("/admin/mall/refund/", {"action": "approve", "_selected_action": [refund.pk, second.pk]})
    html = page.content.decode()
    assert page.status_code == 200 and "确认同意退款" in html
    for each in (refund, second):
        assert each.order.number in html and each.order.member.display_name in html
        assert f'name="_selected_action" value="{each.pk}"' in html
    total = refund.amount_fen + second.amount_fen
    assert f'data-total-fen="{total}"' in html and f"¥{total // 100}.{total % 100:02d}" in html
    assert 'name="apply"' in html
    assert set(Refund.objects.filter(pk__in=[refund.pk, second.pk]).values_list("status", flat=True)) == {RefundStatus.REQUESTED}


def test_the_approval_page_lists_only_refunds_still_waiting(client, member_api, paid_order, operator):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    refund_reject(refund=refund, by=operator, reason="不符合条件")
    client.force_login(operator)
    response = client.post("/admin/mall/refund/", {"action": "approve", "_selected_action": [refund.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["所选申请中没有待审核的退款"]


def test_operators_reject_in_the_admin_with_a_reason(client, member_api, paid_order, operator):
    refund = Refund.objects.get(pk=ask(member_api, paid_order).json()["id"])
    client.force_login(operator)
    page = client.post("/admin/mall/refund/", {"action": "reject", "_selected_action": [refund.pk]})
    assert "确认拒绝" in page.content.decode()
    client.post("/admin/mall/refund/", {"action": "reject", "apply": "1", "reason": "已超出退货条件", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert (refund.status, refund.reject_reason, refund.reviewed_by) == (RefundStatus.REJECTED, "已超出退货条件", operator)
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID


def test_a_refund_given_up_and_then_completed_by_wechat_is_still_counted(client, member_api, submitted, operator):
    assert refund_notify(client, notice_for(submitted, status="CHANGE")) == "SUCCESS"  # WeChat: refund abnormal
    refund_reject(refund=Refund.objects.get(pk=submitted.pk), by=operator, reason="转人工处理")
    assert Order.objects.get(pk=submitted.order_id).status == OrderStatus.PAID
    # The merchant fixed it at WeChat; the money went back after all.
    assert refund_notify(client, notice_for(submitted)) == "SUCCESS"
    order = Order.objects.get(pk=submitted.order_id)
    assert Refund.objects.get(pk=submitted.pk).status == RefundStatus.REFUNDED
    assert (order.refunded_fen, order.status) == (4000, OrderStatus.PAID)  # partial: the order stays where it is
    assert ask(member_api, order).json()["amount_fen"] == 6000  # only the rest can be asked for


def test_a_late_success_never_pulls_the_order_out_of_another_open_request(client, member_api, submitted, operator):
    refund_notify(client, notice_for(submitted, status="CHANGE"))
    refund_reject(refund=Refund.objects.get(pk=submitted.pk), by=operator, reason="转人工处理")
    assert ask(member_api, submitted.order, amount_fen=1000).status_code == 201
    refund_notify(client, notice_for(submitted))
    order = Order.objects.get(pk=submitted.order_id)
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDING, 4000)
