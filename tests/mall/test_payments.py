from datetime import timedelta

import pytest
from django.utils import timezone
from wechatpy.pay.utils import calculate_signature

from mall.models import Order, OrderEvent, OrderStatus, Payment, PaymentState
from tests.factories import MemberFactory, SKUFactory
from tests.helpers import shop_settings
from tests.journeys import pay_at_cashier, place_order
from wechat.emulator.models import MchOrder

pytestmark = pytest.mark.django_db


def test_pay_returns_jsapi_parameters_signed_by_wechatpy(member_api, member, settings):
    order = place_order(member_api, SKUFactory(price_fen=8800))
    response = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 200
    body = response.json()
    assert body["out_trade_no"] == order.number
    jsapi = body["jsapi"]
    assert set(jsapi) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert jsapi["appId"] == settings.WECHAT_APPID and jsapi["signType"] == "MD5"
    assert jsapi["package"].startswith("prepay_id=wx")
    unsigned = {key: value for key, value in jsapi.items() if key != "paySign"}
    assert jsapi["paySign"] == calculate_signature(unsigned, settings.WECHAT_PAY_API_KEY)
    assert "/wx-emulator/pay/cashier/" in body["cashier_url"]


def test_the_unified_order_carries_what_wechat_needs(member_api, member, settings):
    order = place_order(member_api, SKUFactory(price_fen=8800))
    member_api.post(f"/api/v1/orders/{order.number}/pay", REMOTE_ADDR="10.1.2.3")
    placed = MchOrder.objects.get(out_trade_no=order.number)
    assert placed.total_fee == order.pay_fen == 9800
    assert placed.openid == member.openid
    assert placed.notify_url == f"{settings.SITE_URL}/wechat/pay/notify/"
    assert placed.client_ip == "10.1.2.3"
    assert abs(placed.time_expire - order.expires_at) < timedelta(seconds=1)


def test_paying_again_reuses_the_prepay_so_there_is_one_wechat_order(member_api):
    order = place_order(member_api, SKUFactory())
    first = member_api.post(f"/api/v1/orders/{order.number}/pay").json()["jsapi"]["package"]
    second = member_api.post(f"/api/v1/orders/{order.number}/pay").json()["jsapi"]["package"]
    assert first == second
    assert MchOrder.objects.count() == 1 and Payment.objects.count() == 1


def test_a_stale_prepay_is_replaced_by_the_same_wechat_order(member_api):
    order = place_order(member_api, SKUFactory())
    member_api.post(f"/api/v1/orders/{order.number}/pay")
    Payment.objects.update(prepay_expires_at=timezone.now())  # about to lapse: ask WeChat again
    member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert MchOrder.objects.count() == 1  # the same out_trade_no: it can only be paid once


def test_paying_at_the_cashier_marks_the_order_paid(member_api):
    sku = SKUFactory(price_fen=5000)
    order = pay_at_cashier(member_api, place_order(member_api, sku, 2))
    assert order.status == OrderStatus.PAID and order.paid_at
    payment = Payment.objects.get(order=order)
    assert payment.state == PaymentState.PAID and payment.transaction_id.startswith("42000")
    assert sku.product.__class__.objects.get(pk=sku.product_id).sales == 2
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.from_status, event.to_status, event.actor_kind) == ("pending_payment", "paid", "wechat")


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.CANCELLED])
def test_only_pending_orders_can_be_paid(member_api, status):
    order = place_order(member_api, SKUFactory())
    Order.objects.filter(pk=order.pk).update(status=status)
    response = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 409 and response.json()["code"] == "invalid_status"


def test_an_order_about_to_expire_cannot_start_paying(member_api):
    order = place_order(member_api, SKUFactory())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    assert member_api.post(f"/api/v1/orders/{order.number}/pay").json()["code"] == "invalid_status"


def test_someone_elses_order_cannot_be_paid(member_api, api_for):
    order = place_order(api_for(MemberFactory()), SKUFactory())
    assert member_api.post(f"/api/v1/orders/{order.number}/pay").status_code == 404


def test_an_operator_without_openid_is_asked_to_log_in_with_wechat(api_for):
    api = api_for(MemberFactory(openid=None))
    order = place_order(api, SKUFactory())
    response = api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 409 and response.json()["code"] == "wechat_login_required"


def test_wechat_unreachable_is_503_and_changes_nothing(member_api, monkeypatch):
    from wechat import pay
    from wechat.client import PayClient, emulator_url

    class Unreachable(PayClient):
        def __init__(self):
            super().__init__()
            self.API_BASE_URL = emulator_url("nowhere/")  # every call answers 404

    order = place_order(member_api, SKUFactory())
    monkeypatch.setattr(pay, "PayClient", Unreachable)
    response = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 503 and response.json()["code"] == "payment_unavailable"
    assert Payment.objects.get().prepay_id == ""
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_every_wechat_client_has_a_timeout(settings):
    from wechat.client import OfficialAccountClient, PayClient
    from wechat.oauth import _OAuth

    settings.WECHAT_HTTP_TIMEOUT = 3.5
    assert PayClient().timeout == 3.5
    assert OfficialAccountClient().timeout == 3.5
    calls = []
    oauth = _OAuth(redirect_uri="")
    oauth._http.request = lambda **kwargs: calls.append(kwargs) or (_ for _ in ()).throw(RuntimeError("stop"))
    with pytest.raises(RuntimeError):
        oauth._request("get", "sns/userinfo")
    assert calls[0]["timeout"] == 3.5


def test_paying_in_the_last_minutes_reuses_the_prepay(member_api):
    order = place_order(member_api, SKUFactory())
    first = member_api.post(f"/api/v1/orders/{order.number}/pay").json()["jsapi"]["package"]
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() + timedelta(minutes=4))
    second = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert second.status_code == 200 and second.json()["jsapi"]["package"] == first


def test_placing_again_sends_exactly_the_first_fields(member_api):

    order = place_order(member_api, SKUFactory())
    member_api.post(f"/api/v1/orders/{order.number}/pay", REMOTE_ADDR="10.0.0.1")
    Payment.objects.update(prepay_expires_at=timezone.now())
    shop_settings(shop_name="改名后的店")  # the body must not change under WeChat
    response = member_api.post(f"/api/v1/orders/{order.number}/pay", REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200  # WeChat would answer INVALID_REQUEST to any changed field
    assert MchOrder.objects.get().client_ip == "10.0.0.1"


def test_an_unsigned_query_answer_is_not_proof_of_payment(member_api, monkeypatch):
    from mall.services.payments import payment_check
    from wechat import pay

    order = place_order(member_api, SKUFactory())
    member_api.post(f"/api/v1/orders/{order.number}/pay")
    MchOrder.objects.update(trade_state="SUCCESS", transaction_id="4200000000000001", time_end=timezone.now())
    monkeypatch.setattr(pay.PayClient, "check_signature", lambda self, params: False)
    with pytest.raises(pay.PayError):
        payment_check(payment=Payment.objects.get())
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_orderpaid_with_a_failing_query_is_503_not_500(member_api, monkeypatch):
    from wechat import pay

    order = place_order(member_api, SKUFactory())

    def paid_already(**kwargs):
        raise pay.PayError("unified order: 该订单已支付", code="ORDERPAID")

    def unreachable(out_trade_no):
        raise pay.PayError("order query: timeout")

    monkeypatch.setattr(pay, "create_jsapi_payment", paid_already)
    monkeypatch.setattr(pay, "query_order", unreachable)
    response = member_api.post(f"/api/v1/orders/{order.number}/pay")
    assert response.status_code == 503 and response.json()["code"] == "payment_unavailable"


@pytest.mark.parametrize("header, expected", [("10.9.8.7", "10.9.8.7"), ("1" * 300, "127.0.0.1"), ("1.2.3.4, not-an-ip", "127.0.0.1")])
def test_the_client_ip_sent_to_wechat_is_an_ip(member_api, settings, header, expected):
    from config.client_ip import client_ip

    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    class Request:
        META = {"HTTP_X_REAL_IP": header, "REMOTE_ADDR": "not an ip either"}

    assert client_ip(Request()) == expected
