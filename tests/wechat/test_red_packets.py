"""WeChat cash red packets (现金红包): the emulator answers `sendredpack` like WeChat Pay (signed
requests, 1–200 yuan, one packet per mch_billno), and wechat.red_packets speaks to it
through wechatpy's own client."""

from datetime import date

import pytest
import xmltodict
from django.conf import settings
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from wechat.client import PayClient
from wechat.emulator.models import EmulatedUser, MchRedPack
from wechat.red_packets import (
    RecipientRefused,
    RedPacketRefused,
    RedPacketUnsure,
    cash_billno,
    send_cash_red_packet,
)

pytestmark = pytest.mark.django_db

PATH = "/wx-emulator/mch/mmpaymkttransfers/sendredpack"


def fields(**overrides):
    data = {"wxappid": settings.WECHAT_APPID, "mch_id": settings.WECHAT_MCH_ID, "nonce_str": "n1", "mch_billno": "1900000109202612010000000001",
            "send_name": "Micromall", "re_openid": "o_lucky", "total_amount": "888", "total_num": "1", "wishing": "恭喜发财",
            "client_ip": "127.0.0.1", "act_name": "周末红包", "remark": "抢红包"}
    return {**data, **overrides}


def post(client, data: dict, key: str | None = None) -> dict:
    body = dict_to_xml(data, calculate_signature(data, key or settings.WECHAT_PAY_API_KEY))
    return xmltodict.parse(client.post(PATH, body, content_type="text/xml").content)["xml"]


@pytest.fixture
def lucky():
    return EmulatedUser.objects.create(openid="o_lucky", unionid="u_lucky", nickname="幸运儿")


def test_a_red_packet_is_checked_like_the_other_merchant_apis(client, lucky):
    assert post(client, fields(), key="not-the-merchants-key-0123456789")["return_msg"] == "签名错误"
    assert post(client, fields(mch_id="1234567890"))["return_code"] == "FAIL"
    assert post(client, fields(wxappid="wx0000000000000000"))["return_code"] == "FAIL"
    assert not MchRedPack.objects.exists()


def test_a_red_packet_is_sent_once_per_merchant_number_and_signed(client, lucky):
    first, again = post(client, fields()), post(client, fields(nonce_str="n2"))
    assert first["result_code"] == again["result_code"] == "SUCCESS" and first["send_listid"] == again["send_listid"]
    answer = dict(first)
    assert PayClient().check_signature(answer)
    changed = post(client, fields(total_amount="999"))
    assert (changed["result_code"], changed["err_code"]) == ("FAIL", "FATAL_ERROR")
    sent = MchRedPack.objects.get()
    assert (sent.openid, sent.total_amount, sent.act_name, sent.wishing) == ("o_lucky", 888, "周末红包", "恭喜发财")


@pytest.mark.parametrize("amount", ["99", "20001", "0", "-5", "1.5"])
def test_wechat_refuses_a_red_packet_outside_1_to_200_yuan(client, lucky, amount):
    answer = post(client, fields(total_amount=amount))
    assert answer["result_code"] == "FAIL" and answer["err_code"] in ("MONEY_LIMIT", "PARAM_ERROR")
    assert not MchRedPack.objects.exists()


def test_wechat_refuses_an_openid_it_does_not_know(client):
    answer = post(client, fields(re_openid="o_stranger"))
    assert (answer["result_code"], answer["err_code"]) == ("FAIL", "OPENID_ERROR")


@pytest.mark.parametrize("bad", [{"mch_billno": "有中文"}, {"mch_billno": "1" * 29}, {"act_name": "活" * 11}, {"total_num": "2"}, {"remark": "注" * 90}])
def test_wechat_refuses_malformed_fields(client, lucky, bad):
    answer = post(client, fields(**bad))
    assert (answer["result_code"], answer["err_code"]) == ("FAIL", "PARAM_ERROR")


def test_the_shop_sends_a_red_packet_through_wechatpy(lucky):
    billno = cash_billno(share_id=42, day=date(2026, 12, 1))
    assert billno == f"{settings.WECHAT_MCH_ID}202612010000000042" and len(billno) == 28
    kwargs = dict(mch_billno=billno, openid="o_lucky", amount_fen=520, send_name="一个名字很长很长很长很长的微商城旗舰店", act_name="双十一狂欢抢红包活动进行中",
                  wishing="恭喜发财", remark="抢红包")
    listid = send_cash_red_packet(**kwargs)
    assert listid and send_cash_red_packet(**kwargs) == listid  # a retry names the same packet
    sent = MchRedPack.objects.get()
    assert sent.total_amount == 520 and len(sent.send_name.encode()) <= 32 and len(sent.act_name.encode()) <= 32


def test_the_shop_never_asks_for_a_red_packet_outside_the_limits(lucky):
    for amount in (99, 20_001):
        with pytest.raises(RedPacketRefused):
            send_cash_red_packet(mch_billno="X1", openid="o_lucky", amount_fen=amount, send_name="店", act_name="红包", wishing="祝", remark="备注")
    assert not MchRedPack.objects.exists()


def test_the_shop_hears_who_cannot_receive_and_when_to_try_again(lucky, monkeypatch):
    with pytest.raises(RecipientRefused):
        send_cash_red_packet(mch_billno="X2", openid="o_stranger", amount_fen=100, send_name="店", act_name="红包", wishing="祝", remark="备注")
    with pytest.raises(RecipientRefused):
        send_cash_red_packet(mch_billno="X3", openid="", amount_fen=100, send_name="店", act_name="红包", wishing="祝", remark="备注")

    import requests

    from wechat import red_packets

    class Down:
        def __init__(self):
            self.redpack = self

        def send(self, **kwargs):
            raise requests.ConnectionError("timed out")

    monkeypatch.setattr(red_packets, "PayClient", Down)
    with pytest.raises(RedPacketUnsure):
        send_cash_red_packet(mch_billno="X4", openid="o_lucky", amount_fen=100, send_name="店", act_name="红包", wishing="祝", remark="备注")
