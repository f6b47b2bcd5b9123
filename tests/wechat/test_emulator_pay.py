"""The emulator answers like WeChat Pay, through wechatpy's own client."""

from datetime import timedelta

import pytest
import xmltodict
from django.conf import settings
from django.utils import timezone
from wechatpy.exceptions import WeChatClientException, WeChatPayException
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from wechat.client import OfficialAccountClient, PayClient
from wechat.emulator.models import EmulatedUser, MchOrder

pytestmark = pytest.mark.django_db


def unified(client=None, **overrides):
    client = client or PayClient()
    fields = dict(
        trade_type="JSAPI", body="测试商品", total_fee=100, notify_url=f"{settings.SITE_URL}/wechat/pay/notify/",
        client_ip="127.0.0.1", user_id="o_payer", out_trade_no="T0001",
        time_expire=timezone.localtime() + timedelta(minutes=30),
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
    MchOrder.objects.update(trade_state=MchOrder.State.SUCCESS, transaction_id="42", time_end=timezone.now())
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
    from tests.factories import SKUFactory
    from tests.journeys import pay_at_cashier, place_order

    order = pay_at_cashier(member_api, place_order(member_api, SKUFactory()))
    page = client.get("/wx-emulator/pay/").content.decode()
    assert order.number in page and "支付成功" in page
    assert client.post(f"/wx-emulator/pay/{MchOrder.objects.get().pk}/resend/").status_code == 302
    assert order.events.count() == 2  # the repeat changed nothing
