"""The emulator answers like WeChat Pay, through wechatpy's own client."""

from datetime import timedelta

import pytest
import xmltodict
from django.conf import settings
from django.utils import timezone
from wechatpy.exceptions import WeChatClientException, WeChatPayException
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from wechat.client import OfficialAccountClient, PayClient
from wechat.emulator.models import EmulatedUser, MchOrder, MchTransfer

pytestmark = pytest.mark.django_db


# Fixed times for every call, as the shop sends them: a repeat must carry the same fields
# to the second, and wechatpy would otherwise stamp time_start with each call's clock.
STARTS = timezone.localtime()
EXPIRES = STARTS + timedelta(hours=2)


def unified(client=None, **overrides):
    client = client or PayClient()
    fields = dict(
        trade_type="JSAPI", body="测试商品", total_fee=100, notify_url=f"{settings.SITE_URL}/wechat/pay/notify/",
        client_ip="127.0.0.1", user_id="o_payer", out_trade_no="T0001", time_start=STARTS, time_expire=EXPIRES,
    )
    return client.order.create(**{**fields, **overrides})


def test_a_unified_order_gives_a_prepay_and_the_same_again(settings):
    first, second = unified(), unified()
    assert first["prepay_id"] == second["prepay_id"] and first["trade_type"] == "JSAPI"
    assert PayClient().check_signature(dict(first))  # the emulator signs its answers


def test_the_same_order_number_with_another_amount_is_refused():
    unified()
    with pytest.raises(WeChatPayException) as error:
        unified(total_fee=101)
    assert error.value.errcode == "INVALID_REQUEST"


def raw_post(client, path: str, data: dict, key: str | None = None) -> dict:
    body = dict_to_xml(data, calculate_signature(data, key or settings.WECHAT_PAY_API_KEY))
    return xmltodict.parse(client.post(f"/wx-emulator/mch/{path}", body, content_type="text/xml").content)["xml"]


BASE = {"appid": "", "mch_id": "", "nonce_str": "n1", "out_trade_no": "T0001"}


def base():
    return {**BASE, "appid": settings.WECHAT_APPID, "mch_id": settings.WECHAT_MCH_ID}


def test_a_bad_signature_is_refused(client):
    answer = raw_post(client, "pay/orderquery", base(), key="not-the-merchants-key-0123456789")
    assert (answer["return_code"], answer["return_msg"]) == ("FAIL", "签名错误")


def test_another_merchant_id_is_refused(client):
    answer = raw_post(client, "pay/orderquery", {**base(), "mch_id": "1234567890"})
    assert answer["return_code"] == "FAIL" and "mch_id" in answer["return_msg"]


def test_unknown_orders_and_closing_paid_ones_answer_with_wechats_codes(client):
    with pytest.raises(WeChatPayException) as error:
        PayClient().order.query(out_trade_no="NOPE")
    assert error.value.errcode == "ORDERNOTEXIST"
    unified()
    with pytest.raises(WeChatPayException) as error:
        PayClient().order.close("T0001")
    assert error.value.errcode == "SYSTEMERROR"  # WeChat refuses to close an order under 5 minutes old
    MchOrder.objects.update(
        trade_state=MchOrder.State.SUCCESS, transaction_id="42", time_end=timezone.now(), created_at=timezone.now() - timedelta(minutes=6)
    )
    with pytest.raises(WeChatPayException) as error:
        PayClient().order.close("T0001")
    assert error.value.errcode == "ORDERPAID"
    with pytest.raises(WeChatPayException) as error:
        unified()
    assert error.value.errcode == "ORDERPAID"


def test_refunding_more_than_was_paid_is_refused():
    unified()
    MchOrder.objects.update(trade_state=MchOrder.State.SUCCESS, transaction_id="42", time_end=timezone.now())
    with pytest.raises(WeChatPayException) as error:
        PayClient().refund.apply(total_fee=100, refund_fee=101, out_refund_no="R1", out_trade_no="T0001")
    assert error.value.errcode == "INVALID_REQUEST"


def test_jsapi_needs_an_openid_and_a_sensible_expiry():
    with pytest.raises(WeChatPayException):
        unified(user_id=None)
    with pytest.raises(WeChatPayException):
        unified(out_trade_no="T0002", time_expire=timezone.localtime() + timedelta(seconds=20))


def test_template_messages_need_a_follower_and_a_template():
    EmulatedUser.objects.create(openid="o_fan", unionid="u_fan", nickname="粉丝", subscribed=False)
    client = OfficialAccountClient()
    for openid, template, errcode in (("o_nobody", "TPL_0000000001", 40003), ("o_fan", "TPL_0000000001", 43004)):
        with pytest.raises(WeChatClientException) as error:
            client.message.send_template(openid, template, {})
        assert error.value.errcode == errcode
    EmulatedUser.objects.update(subscribed=True)
    with pytest.raises(WeChatClientException) as error:
        client.message.send_template("o_fan", "bad id", {})
    assert error.value.errcode == 40037


def test_an_expired_access_token_is_renewed_by_wechatpy():
    from wechat.emulator.models import IssuedToken

    client = OfficialAccountClient()
    client.jsapi.get_ticket()
    IssuedToken.objects.filter(kind="access_token").update(expires_at=timezone.now() - timedelta(seconds=1))
    client.jsapi.get_ticket()  # 42001 → wechatpy fetches a new token and retries
    assert IssuedToken.objects.filter(kind="access_token").count() == 2


def test_the_payments_page_shows_what_was_sent(client, member_api):
    from tests.factories import MemberFactory, SKUFactory
    from tests.journeys import pay_at_cashier, place_order

    order = pay_at_cashier(member_api, place_order(member_api, SKUFactory()))
    client.force_login(MemberFactory(is_staff=True))  # an operator's page (tests/wechat/test_emulator_guard.py)
    page = client.get("/wx-emulator/pay/").content.decode()
    assert order.number in page and "支付成功" in page
    assert client.post(f"/wx-emulator/pay/{MchOrder.objects.get().pk}/resend/").status_code == 302
    assert order.events.count() == 2  # the repeat changed nothing


@pytest.mark.parametrize("change", [{"body": "另一个商品"}, {"notify_url": None}, {"time_expire": "later"}])
def test_the_same_order_number_with_any_field_changed_is_refused(change):
    unified()
    if change.get("notify_url", "") is None:
        change = {"notify_url": f"{settings.SITE_URL}/wechat/pay/other/"}
    if change.get("time_expire") == "later":
        change = {"time_expire": timezone.localtime() + timedelta(minutes=45)}
    with pytest.raises(WeChatPayException) as error:
        unified(**change)
    assert error.value.errcode == "INVALID_REQUEST"


def test_the_emulator_only_notifies_this_site():
    with pytest.raises(WeChatPayException) as error:
        unified(notify_url="http://127.0.0.1:9/internal")
    assert error.value.errcode == "PARAM_ERROR"


def test_replies_are_signed_the_way_the_request_was(client):
    from wechatpy.pay.utils import calculate_signature_hmac

    data = {**base(), "sign_type": "HMAC-SHA256"}
    body = dict_to_xml(data, calculate_signature_hmac(data, settings.WECHAT_PAY_API_KEY))
    answer = dict(xmltodict.parse(client.post("/wx-emulator/mch/pay/orderquery", body, content_type="text/xml").content)["xml"])
    sign = answer.pop("sign")
    assert answer["err_code"] == "ORDERNOTEXIST"
    assert sign == calculate_signature_hmac(answer, settings.WECHAT_PAY_API_KEY)


@pytest.mark.parametrize(
    "field", [{"total_fee": "²"}, {"openid": "o" * 200}, {"spbill_create_ip": "1" * 80}, {"notify_url": "http://127.0.0.1:8000/" + "x" * 300}]
)
def test_hostile_fields_get_param_error_not_500(client, field):
    data = {**base(), "body": "b", "out_trade_no": "T9", "total_fee": "1", "spbill_create_ip": "1.1.1.1",
            "notify_url": f"{settings.SITE_URL}/wechat/pay/notify/", "trade_type": "JSAPI", "openid": "o", **field}
    answer = raw_post(client, "pay/unifiedorder", data)
    assert answer["return_code"] == "SUCCESS" and answer["err_code"] == "PARAM_ERROR"


@pytest.mark.parametrize("path", ["/wx-emulator/pay/cashier/?prepay_id=%00", "/wx-emulator/showqrcode?ticket=%00", "/wx-emulator/pay/cashier/?prepay_id=nope"])
def test_emulator_pages_refuse_junk_ids_with_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "body",
    ['{"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": "x"}}', '{"action_name": ["QR_SCENE"]}',
     '{"action_name": "QR_SCENE", "expire_seconds": "abc", "action_info": {"scene": {"scene_id": 1}}}'],
)
def test_qrcode_create_answers_errcodes_for_junk(client, body):
    token = OfficialAccountClient().access_token
    answer = client.post(f"/wx-emulator/api/cgi-bin/qrcode/create?access_token={token}", body, content_type="application/json").json()
    assert answer["errcode"] != 0


def test_template_data_with_nul_is_a_format_error(client):
    EmulatedUser.objects.create(openid="o_fan", unionid="u_fan", nickname="粉丝")
    token = OfficialAccountClient().access_token
    body = '{"touser": "o_fan", "template_id": "TPL_0000000001", "data": {"first": {"value": "a\\u0000b"}}}'
    answer = client.post(f"/wx-emulator/api/cgi-bin/message/template/send?access_token={token}", body, content_type="application/json").json()
    assert answer["errcode"] == 47001


def test_a_notification_the_shop_refused_is_repeated(member_api, monkeypatch):
    from tests.factories import SKUFactory
    from tests.journeys import place_order
    from wechat.emulator import pages
    from wechat.emulator.models import Delivery

    order = place_order(member_api, SKUFactory())
    cashier = member_api.post(f"/api/v1/orders/{order.number}/pay").json()["cashier_url"]
    answers = iter([False, False, True])
    real = pages.deliver_payment_notice

    def flaky(mch_order):
        delivery = real(mch_order)
        if not next(answers):
            Delivery.objects.filter(pk=delivery.pk).update(response="<xml><return_code>FAIL</return_code></xml>")
            delivery.refresh_from_db()
        return delivery

    monkeypatch.setattr(pages, "deliver_payment_notice", flaky)
    from django.test import Client

    Client().post(cashier, {"action": "pay"})
    assert Delivery.objects.filter(kind="payment", reference=order.number).count() >= 2  # WeChat tried again


def transfer_fields(**overrides):
    fields = {"mch_appid": settings.WECHAT_APPID, "mchid": settings.WECHAT_MCH_ID, "nonce_str": "n2", "partner_trade_no": "W0001",
              "openid": "o_payee", "check_name": "NO_CHECK", "amount": "500", "desc": "佣金提现", "spbill_create_ip": "127.0.0.1"}
    return {**fields, **overrides}


def test_transfers_are_checked_like_the_other_merchant_apis_and_pay_once(client):
    EmulatedUser.objects.create(openid="o_payee", nickname="收款人")
    path = "mmpaymkttransfers/promotion/transfers"
    assert raw_post(client, path, transfer_fields(), key="not-the-merchants-key-0123456789")["return_msg"] == "签名错误"
    assert raw_post(client, path, transfer_fields(mchid="1234567890"))["return_msg"] == "商户号mchid与appid不匹配"
    assert MchTransfer.objects.count() == 0

    first, again = raw_post(client, path, transfer_fields()), raw_post(client, path, transfer_fields(nonce_str="n3"))
    assert first["result_code"] == again["result_code"] == "SUCCESS" and first["payment_no"] == again["payment_no"]
    changed = raw_post(client, path, transfer_fields(amount="600"))
    assert (changed["result_code"], changed["err_code"]) == ("FAIL", "PARAM_ERROR")
    assert MchTransfer.objects.get().amount == 500
