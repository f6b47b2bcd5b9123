"""Genuine WeChat notifications that clash with our records: answered FAIL (never a 500),
nothing changes, and an operator finds them in the admin."""

import pytest
import xmltodict

from mall.models import OrderStatus, Payment, Refund, RefundStatus, RefusedNotice
from mall.services.aftersales import refund_approve
from tests.factories import MemberFactory, SKUFactory
from tests.journeys import pay_at_cashier, place_order
from tests.wechat_notices import payment_xml, refund_xml

pytestmark = pytest.mark.django_db


def answer(client, url: str, body: bytes) -> str:
    response = client.post(url, body, content_type="text/xml")
    assert response.status_code == 200
    return xmltodict.parse(response.content)["xml"]["return_code"]


def test_a_transaction_id_already_used_by_another_order_is_refused_every_time(client, member_api):
    sku = SKUFactory(price_fen=5000, stock=10)
    first, second = place_order(member_api, sku), place_order(member_api, sku)
    for order in (first, second):
        member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert answer(client, "/wechat/pay/notify/", payment_xml(out_trade_no=first.number, total_fee=6000, transaction_id="4200000000000000000001")) == "SUCCESS"

    clash = payment_xml(out_trade_no=second.number, total_fee=6000, transaction_id="4200000000000000000001")
    assert [answer(client, "/wechat/pay/notify/", clash) for _ in range(3)] == ["FAIL"] * 3

    second.refresh_from_db()
    assert second.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get(order=second).transaction_id is None
    refused = RefusedNotice.objects.get()
    assert (refused.kind, refused.reference, refused.wechat_id, refused.amount_fen, refused.times) == (
        "payment", second.number, "4200000000000000000001", 6000, 3
    )


def test_a_refund_id_already_used_by_another_refund_is_refused(client, member_api, django_capture_on_commit_callbacks):
    operator = MemberFactory(is_staff=True, is_superuser=True, openid=None)
    sku = SKUFactory(price_fen=10000, stock=10)
    orders = [pay_at_cashier(member_api, place_order(member_api, sku)) for _ in range(2)]
    refunds = []
    for order in orders:
        response = member_api.post(f"/api/v1/orders/{order.number}/refunds", {"reason": "不想要了"}, format="json")
        refunds.append(Refund.objects.get(pk=response.json()["id"]))
    with django_capture_on_commit_callbacks(execute=True):  # the first goes through WeChat (the emulator)
        refund_approve(refund=refunds[0], by=operator)
    with django_capture_on_commit_callbacks(execute=False):  # the second waits for its notification
        refund_approve(refund=refunds[1], by=operator)
    done = Refund.objects.get(pk=refunds[0].pk)
    assert done.status == RefundStatus.REFUNDED

    clash = refund_xml(
        out_refund_no=refunds[1].out_refund_no, out_trade_no=orders[1].number, refund_fee=10000, total_fee=10000,
        refund_id=done.wechat_refund_id,
    )
    assert answer(client, "/wechat/pay/refund-notify/", clash) == "FAIL"

    waiting = Refund.objects.get(pk=refunds[1].pk)
    assert waiting.status == RefundStatus.APPROVED and waiting.wechat_refund_id is None
    orders[1].refresh_from_db()
    assert (orders[1].status, orders[1].refunded_fen) == (OrderStatus.REFUNDING, 0)
    assert RefusedNotice.objects.get().reference == refunds[1].out_refund_no


def test_refused_notices_are_read_only_history_for_operators(client):
    RefusedNotice.objects.create(kind="payment", reference="2026112200001", wechat_id="42000", amount_fen=100, reason="金额不符")
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    page = client.get("/admin/mall/refusednotice/")
    assert page.status_code == 200 and "2026112200001" in page.content.decode()
    assert client.get("/admin/mall/refusednotice/add/").status_code == 403


def test_a_stranger_refund_number_as_long_as_wechat_allows_is_refused_and_recorded(client):
    long_number = "R" + "9" * 63  # WeChat's out_refund_no may be 64 characters
    body = refund_xml(out_refund_no=long_number, out_trade_no="2026112200000001", refund_fee=100, total_fee=100)
    assert answer(client, "/wechat/pay/refund-notify/", body) == "FAIL"
    assert RefusedNotice.objects.get().reference == long_number


def test_when_even_recording_fails_wechat_still_hears_fail(client, monkeypatch):
    from mall.views import wechat_pay

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(wechat_pay, "notice_refusal_record", broken)
    body = payment_xml(out_trade_no="20261122000000099", total_fee=100)
    assert answer(client, "/wechat/pay/notify/", body) == "FAIL"
